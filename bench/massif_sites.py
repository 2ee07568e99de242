#!/usr/bin/env python3
"""Where a `valgrind --tool=massif` profile of strata holds its memory at the peak,
summed by the first of strata's own frames above each allocation (the line of strata's
code that asked for the memory), largest first.

    python3 bench/massif_sites.py massif.out [COUNT]

`ms_print` shows the same tree, but Rust's deep and inlined call stacks put most of it
below its thresholds or its depth. Profile with `--depth=100 --threshold=0.2` for the
whole tree; docs/PERFORMANCE.md says how to build for massif.
"""

import collections
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# strata's source files by name: massif gives a frame's file without its folder.
OURS = {
    name[:-3]
    for _, _, files in os.walk(os.path.join(ROOT, "src"))
    for name in files
    if name.endswith(".rs")
}
NODE = re.compile(r"^( *)n(\d+): (\d+) (.*)$")
PLACE = re.compile(r"\((\w+)\.rs:\d+\)")


def peak_tree(lines):
    """The lines of the peak snapshot's heap tree."""
    start = None
    for i, line in enumerate(lines):
        if line.startswith("snapshot="):
            start = i
        elif line == "heap_tree=peak":
            break
    else:
        sys.exit("no peak snapshot in the file")
    i = start
    while not lines[i].startswith("heap_tree="):
        i += 1
    return lines[i + 1 :]


def ours(frame):
    """The frame without its address, when it is in strata's own code."""
    place = PLACE.search(frame)
    if not place:
        return None
    name = place.group(1)
    # `mod.rs` is everyone's: only frames naming strata count.
    if name not in OURS or (name == "mod" and "strata::" not in frame):
        return None
    return re.sub(r"^0x[0-9A-F]+: ", "", frame)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    with open(sys.argv[1], encoding="utf-8") as f:
        lines = f.read().split("\n")
    sites = collections.Counter()
    total = 0
    stack = []
    for line in peak_tree(lines):
        node = NODE.match(line)
        if not node:
            break
        depth, children, size, frame = node.groups()
        # A node's parent is the frame that called it; the root is the allocator.
        stack = stack[: len(depth)] + [frame]
        if int(children) == 0:
            site = next((o for o in map(ours, stack) if o), "elsewhere")
            sites[site] += int(size)
            total += int(size)
    print(f"{total / 1e6:8.2f} MB at the peak")
    for site, size in sites.most_common(count):
        print(f"{size / 1e6:8.2f} MB  {site[:150]}")


main()
