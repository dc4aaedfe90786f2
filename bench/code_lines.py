#!/usr/bin/env python3
"""Distinct 64-byte lines of machine code a run executes, from callgrind.

A short process pays for the code it runs once more than for the
instructions: each line of code executed for the first time is a cache miss
(and each 64 KiB of program text a page fault), whatever its instruction
count. This counts those lines in two runs of the same binary, the lines
only the second executes, and the functions holding them.

    valgrind --tool=callgrind --dump-instr=yes --callgrind-out-file=base.out \\
        build/release/tools/mempool-bgp/mempool-bgp replay --plugins none FILE
    valgrind --tool=callgrind --dump-instr=yes --callgrind-out-file=run.out \\
        build/release/tools/mempool-bgp/mempool-bgp replay --plugins plugins.json FILE
    bench/code_lines.py base.out run.out [TOP]
"""
import collections
import re
import sys

NAMED = re.compile(r"c?fn=\((\d+)\)(?: (.*))?")


def code_lines(path):
    """Per function, the set of 64-byte lines holding an executed instruction."""
    names, lines = {}, collections.defaultdict(set)
    function, address = None, 0
    with open(path) as f:
        for text in f:
            if text.startswith(("fn=", "cfn=")):
                m = NAMED.match(text.strip())
                if m:
                    if m.group(2):
                        names[m.group(1)] = m.group(2)
                    if text.startswith("fn="):
                        function = names.get(m.group(1), m.group(1))
                continue
            head = text.split(maxsplit=1)[0] if text.strip() else ""
            if not head or head[0] not in "0123456789+-*":
                continue  # calls=, ob=, fl=, headers
            # Positions are absolute (0x...), relative (+n, -n) or the same (*).
            if head == "*":
                pass
            elif head[0] in "+-":
                step = int(head[1:], 0)
                address = address + step if head[0] == "+" else address - step
            else:
                address = int(head, 0)
            lines[function].add(address >> 6)
    return lines


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    base, run = code_lines(sys.argv[1]), code_lines(sys.argv[2])
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    in_base = set().union(*base.values())
    in_run = set().union(*run.values())
    only = in_run - in_base
    print(f"lines of code executed: base {len(in_base)}, run {len(in_run)}, "
          f"only in run {len(only)} ({len(only) * 64 / 1024:.0f} KiB)")
    print(f"64 KiB pages of text touched: base {len({l >> 10 for l in in_base})}, "
          f"run {len({l >> 10 for l in in_run})}")
    by_function = sorted(((len(l & only), f) for f, l in run.items() if l & only), reverse=True)
    for n, f in by_function[:top]:
        print(f"{n:6}  {f[:110]}")


if __name__ == "__main__":
    main()
