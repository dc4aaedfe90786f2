#!/usr/bin/env python3
"""Renders bench_pool's JSON results as an SVG chart of ratios.

    python3 scripts/bench_chart.py bench.json -o docs/benchmarks.svg

One row per case; each bar is mempool's time divided by a competitor's, on a
log scale centred on 1 (parity): a bar to the left means mempool is faster,
to the right slower. Map cases compare the C API (get_mempool_u64,
set_single_mempool) with absl::flat_hash_map, boost::unordered_flat_map and
std::unordered_map; list cases compare the C API and the faster C++ way with
std::vector. The mempool C time is printed at the end of each row.

Plain Python, no plotting library: the same JSON always gives the same bytes.
Reads the same file as bench/compare.py, whose loader it reuses.
"""
import argparse
import math
import os
import sys
from xml.sax.saxutils import escape

sys.dont_write_bytecode = True  # keep bench/ free of __pycache__
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
from compare import load  # noqa: E402

SERIES = [  # (key, label, colour)
    ("absl_flat_hash_map", "vs absl::flat_hash_map", "#1f77b4"),
    ("boost_unordered_flat_map", "vs boost::unordered_flat_map", "#ff7f0e"),
    ("std_unordered_map", "vs std::unordered_map", "#8c8c8c"),
    ("std_vector", "C API vs std::vector", "#9467bd"),
    ("cpp_vs_vector", "C++ API (best) vs std::vector", "#2ca02c"),
]
LO, HI = 1 / 8, 16  # ratio axis
LEFT, AXIS_W, RIGHT = 250, 520, 110
BAR_H, GAP = 5, 7
TOP = 96


def bars_for(times):
    mine = times.get("mempool_c")
    out = []
    for key, _, _ in SERIES:
        if key == "cpp_vs_vector":
            cpp = [v for k, v in times.items() if k.startswith("mempool_cpp")]
            if cpp and "std_vector" in times:
                out.append((key, min(cpp) / times["std_vector"]))
        elif key in times and mine:
            out.append((key, mine / times[key]))
    return out


def x_of(ratio):
    r = min(max(ratio, LO), HI)
    return LEFT + AXIS_W * (math.log(r) - math.log(LO)) / (math.log(HI) - math.log(LO))


def render(cases, title):
    colour = {k: c for k, _, c in SERIES}
    rows = []  # (family header or None, case label, bars, mempool ns)
    family = None
    for case, times in cases.items():
        fam, _, rest = case.partition("/")
        if fam != family:
            rows.append((fam, None, None, None))
            family = fam
        rows.append((None, rest, bars_for(times), times.get("mempool_c")))
    y = TOP
    body = []
    for header, label, bars, ns in rows:
        if header is not None:
            y += 6
            body.append(f'<text x="8" y="{y + 12}" font-weight="bold">{escape(header)}</text>')
            y += 18
            continue
        h = max(1, len(bars)) * BAR_H + GAP
        body.append(f'<text x="{LEFT - 6}" y="{y + h / 2 + 1:.1f}" text-anchor="end" '
                    f'dominant-baseline="middle">{escape(label)}</text>')
        for i, (key, ratio) in enumerate(bars):
            x0, x1 = x_of(1.0), x_of(ratio)
            by = y + i * BAR_H
            body.append(f'<rect x="{min(x0, x1):.1f}" y="{by}" width="{max(abs(x1 - x0), 1):.1f}" '
                        f'height="{BAR_H - 1}" fill="{colour[key]}"><title>{key}: {ratio:.2f}</title></rect>')
        if ns is not None:
            body.append(f'<text x="{LEFT + AXIS_W + 8}" y="{y + h / 2 + 1:.1f}" '
                        f'dominant-baseline="middle">{ns:.2f} ns</text>')
        y += h
    height = y + 30
    width = LEFT + AXIS_W + RIGHT
    grid = []
    r = LO
    while r <= HI * 1.001:
        x = x_of(r)
        label = f"{r:g}" if r >= 1 else f"1/{round(1 / r)}"
        stroke = "#000" if abs(r - 1) < 1e-9 else "#ddd"
        grid.append(f'<line x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" y2="{y}" stroke="{stroke}"/>')
        grid.append(f'<text x="{x:.1f}" y="{TOP - 8}" text-anchor="middle">{label}</text>')
        grid.append(f'<text x="{x:.1f}" y="{y + 14}" text-anchor="middle">{label}</text>')
        r *= 2
    legend = []
    lx, ly = 8, 36
    for key, text, c in SERIES:
        w = 14 + 6.2 * len(text) + 16
        if lx + w > width:
            lx, ly = 8, ly + 16
        legend.append(f'<rect x="{lx:.1f}" y="{ly}" width="10" height="10" fill="{c}"/>'
                      f'<text x="{lx + 14:.1f}" y="{ly + 9}">{escape(text)}</text>')
        lx += w
    head = [
        f'<text x="8" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
        f'<text x="{x_of(0.35):.1f}" y="76" text-anchor="middle">mempool faster</text>',
        f'<text x="{x_of(3):.1f}" y="76" text-anchor="middle">mempool slower</text>',
        f'<text x="{LEFT + AXIS_W + 8}" y="76">mempool C</text>',
    ]
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height:.0f}" '
        f'viewBox="0 0 {width} {height:.0f}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height:.0f}" fill="white"/>',
        *head, *legend, *grid, *body, "</svg>", ""])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("json", help="bench_pool --benchmark_out file")
    ap.add_argument("-o", "--output", default="docs/benchmarks.svg")
    ap.add_argument("--title", default="mempool time / competitor time (median, log scale; < 1 = mempool faster)")
    args = ap.parse_args()
    _, cases = load(args.json)
    with open(args.output, "w") as f:
        f.write(render(cases, args.title))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
