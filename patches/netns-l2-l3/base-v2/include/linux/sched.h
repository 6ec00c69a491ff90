/* base-v2 include/linux/sched.h:1: line not shown by the patch */
/* base-v2 include/linux/sched.h:2: line not shown by the patch */
/* base-v2 include/linux/sched.h:3: line not shown by the patch */
/* base-v2 include/linux/sched.h:4: line not shown by the patch */
/* base-v2 include/linux/sched.h:5: line not shown by the patch */
/* base-v2 include/linux/sched.h:6: line not shown by the patch */
/* base-v2 include/linux/sched.h:7: line not shown by the patch */
/* base-v2 include/linux/sched.h:8: line not shown by the patch */
/* base-v2 include/linux/sched.h:9: line not shown by the patch */
/* base-v2 include/linux/sched.h:10: line not shown by the patch */
/* base-v2 include/linux/sched.h:11: line not shown by the patch */
/* base-v2 include/linux/sched.h:12: line not shown by the patch */
/* base-v2 include/linux/sched.h:13: line not shown by the patch */
/* base-v2 include/linux/sched.h:14: line not shown by the patch */
/* base-v2 include/linux/sched.h:15: line not shown by the patch */
/* base-v2 include/linux/sched.h:16: line not shown by the patch */
/* base-v2 include/linux/sched.h:17: line not shown by the patch */
/* base-v2 include/linux/sched.h:18: line not shown by the patch */
/* base-v2 include/linux/sched.h:19: line not shown by the patch */
/* base-v2 include/linux/sched.h:20: line not shown by the patch */
/* base-v2 include/linux/sched.h:21: line not shown by the patch */
/* base-v2 include/linux/sched.h:22: line not shown by the patch */
/* base-v2 include/linux/sched.h:23: line not shown by the patch */
/* base-v2 include/linux/sched.h:24: line not shown by the patch */
/* base-v2 include/linux/sched.h:25: line not shown by the patch */
#define CLONE_STOPPED 0x02000000 /* Start in stopped state */
#define CLONE_NEWUTS 0x04000000 /* New utsname group? */
#define CLONE_NEWIPC 0x08000000 /* New ipcns */

/*
* Scheduling policies
/* base-v2 include/linux/sched.h: rest of the file not shown by the patch */
