#!/usr/bin/env bash
# How this series was made (kept for provenance; the .patch files are the data).
# Usage: make.sh TREE OUTDIR   (TREE = `harness tree path linux-6.1`)
# Four commits on net/core/net_namespace.c of linux-6.1 (Debian 6.1.192-3),
# written for the harness project, then `git format-patch --thread --cover-letter`:
#   1 adds an unused local (a -Wunused-variable compiler warning),
#   2 calls a function that does not exist yet (the build breaks) and has
#     checkpatch findings (space indent, a typo),
#   3 defines that function (the build is fixed; a --strict CHECK),
#   4 adds a comment and has no Signed-off-by.
set -euo pipefail
tree=$1 out=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/net/core"
cp "$tree/net/core/net_namespace.c" "$work/net/core/"
cd "$work"
git init -q
git config user.name "Harness Fixture"
git config user.email fixture@example.org
git add -A
GIT_COMMITTER_DATE="2026-12-02T05:00:00Z" GIT_AUTHOR_DATE="2026-12-02T05:00:00Z" git commit -qm base
edit() { python3 -c "import sys; p='net/core/net_namespace.c'; s=open(p).read(); a,b=sys.argv[1:3]; assert a in s; open(p,'w').write(s.replace(a,b,1))" "$1" "$2"; }
commit() {
  GIT_COMMITTER_DATE="2026-12-02T05:0$2:00Z" GIT_AUTHOR_DATE="2026-12-02T05:0$2:00Z" git commit -qam "$1"
}
sob="Signed-off-by: Harness Fixture <fixture@example.org>"
edit $'{\n\tnet->core.sysctl_somaxconn = SOMAXCONN;' $'{\n\tint unused_default;\n\n\tnet->core.sysctl_somaxconn = SOMAXCONN;'
commit "net: namespace: keep a spare default in net_defaults_init_net()

The defaults may grow a second value later; keep a local for it.

$sob" 1
edit $'\tnet->core.sysctl_txrehash = SOCK_TXREHASH_ENABLED;\n' $'\tnet->core.sysctl_txrehash = SOCK_TXREHASH_ENABLED;\n        /* set teh defaults of the demo counter */\n\tnet_demo_defaults(net);\n'
commit "net: namespace: set the demo defaults

Call the helper that sets the demo defaults of a new namespace.

$sob" 2
edit $'static int __net_init net_defaults_init_net(struct net *net)\n{' $'static void net_demo_defaults(struct net *net)\n{\n\n}\n\nstatic int __net_init net_defaults_init_net(struct net *net)\n{'
commit "net: namespace: define net_demo_defaults()

The previous patch calls a helper that does not exist yet: define it.

$sob" 3
edit $'static struct pernet_operations net_defaults_ops = {' $'/* the defaults every new namespace starts with */\nstatic struct pernet_operations net_defaults_ops = {'
commit "net: namespace: comment net_defaults_ops

Say what the operations are for." 4
git format-patch -q -4 -o "$work/out" --thread=shallow --cover-letter -n
sed -i 's/\*\*\* SUBJECT HERE \*\*\*/net: namespace: demo defaults (a series for per-patch checks)/;
        s/\*\*\* BLURB HERE \*\*\*/A series written for the harness project to test per-patch checks./' \
  "$work/out/0000-cover-letter.patch"
mkdir -p "$out"
cp "$work"/out/*.patch "$out/"
