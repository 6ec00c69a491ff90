/* base-v2 include/linux/net_namespace.h:1: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:2: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:3: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:4: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:5: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:6: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:7: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:8: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:9: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:10: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:11: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:12: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:13: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:14: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:15: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:16: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:17: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:18: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:19: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:20: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:21: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:22: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:23: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:24: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:25: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:26: line not shown by the patch */
struct net_namespace *parent;
struct list_head child_list, sibling_list;
unsigned int id;
};

extern struct net_namespace init_net_ns;
/* base-v2 include/linux/net_namespace.h:33: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:34: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:35: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:36: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:37: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:38: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:39: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:40: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:41: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:42: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:43: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:44: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:45: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:46: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:47: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:48: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:49: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:50: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:51: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:52: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:53: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:54: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:55: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:56: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:57: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:58: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:59: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:60: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:61: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:62: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:63: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:64: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:65: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:66: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:67: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:68: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:69: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:70: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:71: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:72: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:73: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:74: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:75: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:76: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:77: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:78: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:79: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:80: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:81: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:82: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:83: line not shown by the patch */
/* base-v2 include/linux/net_namespace.h:84: line not shown by the patch */
static inline int unshare_net_ns(unsigned long unshare_flags,
struct net_namespace **new_net)
{
if (unshare_flags & NS_NET)
return -EINVAL;

return 0;
/* base-v2 include/linux/net_namespace.h: rest of the file not shown by the patch */
