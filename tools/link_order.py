#!/usr/bin/env python3
"""Writes tools/link_order.txt: the functions a replay runs, in the order the
tools' link places them (cmake/MempoolToolLink.cmake, "Link order").

A replay of a small file is over in a few milliseconds, and on a virtual
machine much of that is page faults on the program's text: one per 64 KiB
window of code touched for the first time, 15-28 us each on the VMs this
project is measured on. Linked in the default order, the code a replay runs
was spread over about 40 windows of mempool-bgp's text. Placed first and
together, in the order of the runs below (what every replay runs, then what
loading the shipped plugins adds, then the update and RIB paths), a replay
of a small file touched about 10 (docs/benchmarks.md, "Thirteenth session").

The list comes from callgrind (--demangle=no) over a release build, so it
names exactly the symbols lld sees. valgrind's CPU has no AVX-512: for each
glibc string function the runs used, its AVX and EVEX variants in the binary
are listed too, so the one a current x86-64 CPU picks is among them (older
CPUs' SSE variants stay where the link puts them). A function's unlikely
blocks (GCC's NAME.cold) are listed with it.

    tools/link_order.py build/release [DATA_DIR]    # then rebuild the tools

Names the code no longer has are ignored by the link (stale entries cost
nothing); functions added since land after the list, where the link puts them
anyway. Run it again after a change that moves much of the replay's code.
"""
import os
import re
import subprocess
import sys
import tempfile

HEADER = """\
# The functions a replay runs, placed first and together in the text of
# mempool-bgp and mempool-plugin (lld --symbol-ordering-file; see
# cmake/MempoolToolLink.cmake). Written by tools/link_order.py: regenerate
# it, do not edit it.
"""
FUNCTION = re.compile(r"^c?fn=\(\d+\) (.+)$")
# glibc's string and memory functions, chosen at start-up by CPU (ifunc):
# __memmove_avx_unaligned_erms, __strlen_evex, ...
VARIANT = re.compile(r"^(__\w+?)_(?:sse2|sse4|ssse3|avx|evex|erms)\w*$")


def run_names(tool, args):
    """The functions callgrind saw run in `tool args`, in file order."""
    with tempfile.NamedTemporaryFile(suffix=".callgrind") as out:
        subprocess.run(["valgrind", "--tool=callgrind", "--demangle=no", f"--callgrind-out-file={out.name}",
                        tool] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        names = []
        with open(out.name, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = FUNCTION.match(line.rstrip("\n"))
                if not m:
                    continue
                name = re.sub(r"'\d+$", "", m.group(1))  # callgrind's recursion marks
                if not name.startswith(("0x", "(")):  # unnamed code, "(below main)"
                    names.append(name)
        return names


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    build = sys.argv[1]
    data = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("MEMPOOL_MRT_DATA",
                                                                  os.path.join(root, "..", "shared", "data", "mrt"))
    tool = os.path.join(build, "tools", "mempool-bgp", "mempool-bgp")
    shipped = os.path.join(build, "plugins", "plugins.json")
    pass_next = os.path.join(build, "plugins", "xbgp", "pass_next.plugin")
    small = os.path.join(data, "updates.nlri_mask_trailing_bits.gz")
    updates = os.path.join(data, "updates.20071015.1505.gz")
    runs = [
        ["replay", "--plugins", "none", small],  # what every replay runs
        ["replay", "--plugins", shipped, small],  # loading the plugins
        ["replay", "--plugins", "none", updates],  # updates, the RIB
        ["replay", "--plugins", shipped, updates],  # the plugins at work
        ["replay", "--plugins", pass_next, updates],  # xBGP receiving points
        ["replay", "--plugins", shipped],  # the built-in sample (scripts/demo)
        ["replay", "--plugins", "none", os.path.join(data, "bview.20020722.2337.gz")],  # TABLE_DUMP
        ["replay", "--plugins", "none", os.path.join(data, "bview.ipv4_unicast_add_path.gz")],  # TABLE_DUMP_V2
    ]
    # Each name once, where it is first seen (dicts keep insertion order).
    order = dict.fromkeys(name for args in runs for name in run_names(tool, args))
    symbols = subprocess.run(["nm", "--defined-only", tool], capture_output=True, text=True, check=True).stdout
    families = {}
    for line in symbols.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTiW" and (m := VARIANT.match(parts[2])) and \
                ("avx" in parts[2] or "evex" in parts[2]):
            families.setdefault(m.group(1), []).append(parts[2])

    defined = {line.split()[-1] for line in symbols.splitlines()}

    def variants(name):
        # A function's unlikely blocks (GCC's NAME.cold) go with it: which
        # of them a run takes may depend on addresses, and valgrind's differ
        # from a native run's (run_attached.cold: a text fault of its own).
        cold = [name + ".cold"] if name + ".cold" in defined else []
        m = VARIANT.match(name)
        return [name] + cold + (sorted(families.get(m.group(1), [])) if m else [])

    listed = list(dict.fromkeys(v for name in order for v in variants(name)))
    with open(os.path.join(root, "tools", "link_order.txt"), "w") as f:
        f.write(HEADER)
        f.write("\n".join(listed) + "\n")
    print(f"tools/link_order.txt: {len(listed)} functions from {len(runs)} runs")


if __name__ == "__main__":
    main()
