#!/usr/bin/env python3
"""Rebuild base-v2/: the tree the refreshed patch (v2) was made for, as far as
the patch itself shows it. Each file holds the preimage (context and removed
lines) of v2's hunks at the line numbers their @@ headers give; lines the patch
does not show are placeholders that say so. Run from this directory:
    python3 make-base.py v2/0012-network-namespace-L2-and-L3-intro.patch base-v2
"""
import os, re, sys

def hunks(text):
    path = None
    lines = text.split('\n')
    i = 0
    while i < len(lines):
        l = lines[i]
        if l.startswith('--- ') and i + 1 < len(lines) and lines[i + 1].startswith('+++ '):
            path = lines[i + 1][4:].split('\t')[0].split('/', 1)[1]
            i += 2
            continue
        m = re.match(r'^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@', l)
        if m and path:
            old_start, old_count = int(m.group(1)), int(m.group(2) or 1)
            new_count = int(m.group(4) or 1)
            o = n = 0
            pre = []
            i += 1
            while (o < old_count or n < new_count) and i < len(lines):
                b = lines[i]
                k, t = (b[:1] or ' '), b[1:]
                if k == ' ':
                    pre.append(t); o += 1; n += 1
                elif k == '-':
                    pre.append(t); o += 1
                elif k == '+':
                    n += 1
                i += 1
            if o != old_count or n != new_count:
                sys.exit(f'{path} {l}: counts do not match ({o}/{n})')
            yield path, old_start, pre
            continue
        i += 1

def main(patch, out):
    files = {}
    for path, start, pre in hunks(open(patch).read()):
        files.setdefault(path, []).append((start, pre))
    for path, hs in files.items():
        content = []
        for start, pre in hs:
            while len(content) < start - 1:
                content.append(f'/* base-v2 {path}:{len(content) + 1}: line not shown by the patch */')
            if len(content) != start - 1:
                sys.exit(f'{path}: hunks overlap at line {start}')
            content.extend(pre)
        content.append(f'/* base-v2 {path}: rest of the file not shown by the patch */')
        dest = os.path.join(out, path)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, 'w') as f:
            f.write('\n'.join(content) + '\n')

main(sys.argv[1], sys.argv[2])
