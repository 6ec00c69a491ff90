/* base-v2 net/core/net_namespace.c:1: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:2: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:3: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:4: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:5: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:6: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:7: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:8: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:9: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:10: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:11: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:12: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:13: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:14: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:15: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:16: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:17: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:18: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:19: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:20: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:21: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:22: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:23: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:24: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:25: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:26: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:27: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:28: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:29: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:30: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:31: line not shown by the patch */

/*
* Clone a new ns copying an original net ns, setting refcount to 1
* @old_ns: namespace to clone
* Return NULL on error (failure to kcalloc), new ns otherwise
*/
static struct net_namespace *clone_net_ns(struct net_namespace *old_ns)
{
struct net_namespace *ns;

ns = kcalloc(sizeof(struct net_namespace), GFP_KERNEL);
if (!ns)
return NULL;
/* base-v2 net/core/net_namespace.c:45: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:46: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:47: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:48: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:49: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:50: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:51: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:52: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:53: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:54: line not shown by the patch */
list_add_tail(&ns->sibling_list, &old_ns->child_list);
spin_unlock_irq(&net_ns_list_lock);

#ifdef CONFIG_IP_MULTIPLE_TABLES
INIT_LIST_HEAD(&ns->fib_rules_ops_list);
#endif
if (ip_fib_struct_init(ns))
goto out_fib4;
if (loopback_init(ns))
goto out_loopback;
printk(KERN_DEBUG "NET_NS: created new netcontext %p for %s "
"(pid=%d)\n", ns, current->comm, current->tgid);
return ns;

out_loopback:
ip_fib_struct_cleanup();
out_fib4:
BUG_ON(atomic_read(&ns->kref.refcount) != 1);
kfree(ns);
/* base-v2 net/core/net_namespace.c:74: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:75: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:76: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:77: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:78: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:79: line not shown by the patch */
int unshare_net_ns(unsigned long unshare_flags,
struct net_namespace **new_net)
{
if (unshare_flags & NS_NET) {
if (!capable(CAP_SYS_ADMIN))
return -EPERM;

*new_net = clone_net_ns(current->nsproxy->net_ns);
if (!*new_net)
return -ENOMEM;
}

return 0;
}

int copy_net_ns(int flags, struct task_struct *tsk)
{
/* base-v2 net/core/net_namespace.c:97: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:98: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:99: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:100: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:101: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:102: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:103: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:104: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:105: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:106: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:107: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:108: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:109: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:110: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:111: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:112: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:113: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:114: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:115: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:116: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:117: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:118: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:119: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:120: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:121: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:122: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:123: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:124: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:125: line not shown by the patch */
/* base-v2 net/core/net_namespace.c:126: line not shown by the patch */
ns, atomic_read(&ns->kref.refcount));
return;
}
ip_fib_struct_cleanup();
printk(KERN_DEBUG "NET_NS: net namespace %p (%u) destroyed\n",
ns, ns->id);
kfree(ns);
/* base-v2 net/core/net_namespace.c: rest of the file not shown by the patch */
