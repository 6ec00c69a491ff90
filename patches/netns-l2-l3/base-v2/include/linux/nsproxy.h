/* base-v2 include/linux/nsproxy.h:1: line not shown by the patch */
/* base-v2 include/linux/nsproxy.h:2: line not shown by the patch */
/* base-v2 include/linux/nsproxy.h:3: line not shown by the patch */
/* base-v2 include/linux/nsproxy.h:4: line not shown by the patch */
/* base-v2 include/linux/nsproxy.h:5: line not shown by the patch */
/* base-v2 include/linux/nsproxy.h:6: line not shown by the patch */
/* base-v2 include/linux/nsproxy.h:7: line not shown by the patch */
/* base-v2 include/linux/nsproxy.h:8: line not shown by the patch */
/* base-v2 include/linux/nsproxy.h:9: line not shown by the patch */
/* base-v2 include/linux/nsproxy.h:10: line not shown by the patch */
/* base-v2 include/linux/nsproxy.h:11: line not shown by the patch */
/* base-v2 include/linux/nsproxy.h:12: line not shown by the patch */
/* base-v2 include/linux/nsproxy.h:13: line not shown by the patch */
/* base-v2 include/linux/nsproxy.h:14: line not shown by the patch */
/* base-v2 include/linux/nsproxy.h:15: line not shown by the patch */
/* base-v2 include/linux/nsproxy.h:16: line not shown by the patch */
/* base-v2 include/linux/nsproxy.h:17: line not shown by the patch */
/* base-v2 include/linux/nsproxy.h:18: line not shown by the patch */
/* base-v2 include/linux/nsproxy.h:19: line not shown by the patch */
#define NS_UTS 0x00000002
#define NS_IPC 0x00000004
#define NS_PID 0x00000008
#define NS_NET 0x00000010
#define NS_USER 0x00000020
#define NS_ALL (NS_MNT|NS_UTS|NS_IPC|NS_PID|NS_NET|NS_USER)

/*
* A structure to contain pointers to all per-process
/* base-v2 include/linux/nsproxy.h: rest of the file not shown by the patch */
