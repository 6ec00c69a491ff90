# unshare(CLONE_NEWNET) needs CAP_SYS_ADMIN: root succeeds, an unprivileged
# user (uid 1000, no capabilities) gets EPERM.
. /harness/lib.sh
require CONFIG_NET_NS
sub_plan 2
sub_check root_unshare_succeeds unshare -n true
out=$(su -s /bin/sh harness -c 'unshare -n true' 2>&1)
rc=$?
case "$out" in *"Operation not permitted"*) eperm=1 ;; *) eperm=0 ;; esac
if [ "$rc" != 0 ] && [ "$eperm" = 1 ]; then
    sub_ok unprivileged_unshare_eperm
else
    sub_not_ok unprivileged_unshare_eperm "exit $rc, expected EPERM: $out"
fi
sub_end
