#!/usr/bin/env python3
"""xbgp_jobs_test.py: our job plugin rib_census (plugins/xbgp, every 300 s
of MRT time) on a real MRT file, checked against figures computed here,
independently of mempool-bgp.

What the script derives by itself:

- when the job runs: it reads the MRT record headers (gzip, RFC 6396: a
  4-byte timestamp, type, subtype, length) to find the first record's time
  t0 and the last one's; the job is due at t0 + 300, then 300 s after each
  run (the plugin calls reschedule_plugin(NULL)); it runs before the first
  record whose time reaches its due time, so a due time after the last
  record never runs (mempool-bgp's job summary must say so);
- what each run sees: it replays `bgpdump -m`'s lines itself (an A line
  installs (peer, prefix), a W line removes it, a STATE line to a state
  other than Established (6) clears the peer) up to the lines before the
  due time, and takes the best route of each prefix by the host's rule
  (lower 4L + origin, then lower peer address, then lower peer AS; L counts
  a repeated AS once, an AS_SET as 1, confederation segments 0);
- the figures: routes per family in that Loc-RIB, and the distinct origin
  ASes of its best routes (the last AS of a path that ends with a plain
  AS_SEQUENCE; none for a path ending with an AS_SET, or of more than 4
  segments, the plugin's bound).

Then it runs `mempool-bgp replay --plugins rib_census.plugin FILE` under the
JIT and the interpreter and checks that the plugin's log lines ("rib_census
t=... ipv4=... ipv6=... origins=... unplaced=0 truncated=0") are exactly the
expected ones, that both modes print the same lines, and that mempool-bgp's
job summary counts the runs.

With --schedule S the job runs every S seconds instead (a copy of the
manifest in a temporary folder, naming the same object): the visible
2007 and 2010 files span 299 s, less than one interval of 300.

With --probe it runs plugins/xbgp/job_probe instead (every 100 s), which
tries reschedule_plugin's cases, and checks its three runs: at t0 + 100 a
new interval of 10 s (0) and a second call in the same run (-1); at t0 + 110
an interval of 0 (-1) and NULL (0, the 10 s stay); at t0 + 120 no call, so
the job never runs again and nothing is pending at the end.

Usage: xbgp_jobs_test.py TOOL PLUGIN_DIR MRT_FILE [--bgpdump B] [--schedule S] [--probe]
Exit status 0 when every check holds; a missing MRT file is a failure.
"""
import gzip
import ipaddress
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

INTERVAL = 300  # rib_census.plugin's schedule; --schedule S runs a copy of the manifest with S


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def record_times(path):
    opener = gzip.open if path.endswith(".gz") else open
    times = []
    with opener(path, "rb") as f:
        data = f.read()
    off = 0
    while off + 12 <= len(data):
        ts, _type, _subtype, length = struct.unpack_from(">IHHI", data, off)
        times.append(ts)
        off += 12 + length
    return times


def segments(path_text):
    """bgpdump's AS path as (kind, [ASes]) segments: 'seq', 'set', 'confed'."""
    out, confed = [], False
    for tok in path_text.split():
        if tok.startswith("{"):
            out.append(("set", [int(t) for t in tok.strip("{}").split(",") if t]))
            continue
        if tok.startswith("(") or tok.startswith("["):
            confed = True
        if confed:
            if tok.startswith("(") or tok.startswith("["):
                out.append(("confed", []))
            out[-1][1].append(int(tok.strip("()[]")))
            if tok.endswith(")") or tok.endswith("]"):
                confed = False
            continue
        if out and out[-1][0] == "seq":
            out[-1][1].append(int(tok))
        else:
            out.append(("seq", [int(tok)]))
    return out


def path_length(path_text):
    n = 0
    for kind, ases in segments(path_text):
        if kind == "set":
            n += 1
        elif kind == "seq":
            prev = None
            for a in ases:
                if a != prev:
                    n += 1
                prev = a
    return n


def origin_as(path_text):
    """rib_census's origin: the last AS of a path of at most 4 segments
    (MAX_SEGMENTS) whose last one is an AS_SEQUENCE."""
    segs = segments(path_text)
    if not segs or len(segs) > 4 or segs[-1][0] != "seq":
        return None
    return segs[-1][1][-1]


def addr_key(ip):
    a = ipaddress.ip_address(ip)
    return (a.version, int(a))


def expected_runs(bgpdump, mrt):
    times = record_times(mrt)
    if not times:
        fail("%s holds no MRT record" % mrt)
    out = subprocess.run([bgpdump, "-m", mrt], check=True, capture_output=True, text=True).stdout
    lines = [l.split("|") for l in out.splitlines()]
    lines = [f for f in lines if len(f) >= 6]
    # Every due time some record reaches, in file order: the job runs
    # before that record (several times if the record jumps over several).
    reached, due = [], times[0] + INTERVAL
    for t in times:
        while t >= due:
            reached.append(due)
            due += INTERVAL
    pending = due  # the due time no record reached: never run
    rib, runs, i = {}, [], 0
    for due in reached:
        # bgpdump's lines in file order, up to the first one at the due time.
        while i < len(lines) and int(float(lines[i][1])) < due:
            f = lines[i]
            i += 1
            kind, peer = f[2], (str(ipaddress.ip_address(f[3])), int(f[4]))
            if kind == "STATE":
                if int(f[6]) != 6:
                    for k in [k for k in rib if k[:2] == peer]:
                        del rib[k]
            elif kind == "W":
                rib.pop((peer[0], peer[1], f[5]), None)
            elif kind == "A":
                rib[(peer[0], peer[1], f[5])] = (f[6], f[7])
        best = {}
        for (ip, asn, prefix), (path, origin) in rib.items():
            rank = (4 * path_length(path) + {"IGP": 0, "EGP": 1, "INCOMPLETE": 2}[origin], addr_key(ip), asn)
            if prefix not in best or rank < best[prefix][0]:
                best[prefix] = (rank, path)
        v4 = sum(1 for p in best if ":" not in p)
        origins = {origin_as(path) for _, path in best.values()} - {None}
        runs.append("rib_census t=%d ipv4=%d ipv6=%d origins=%d unplaced=0 truncated=0"
                    % (due, v4, len(best) - v4, len(origins)))
    return runs, pending


def run_tool(tool, manifest, mrt, interpreter, pending):
    args = [tool, "replay", "--plugins", manifest, mrt]
    if interpreter:
        args.insert(2, "--interpreter")
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        fail("%s exited %d:\n%s" % (" ".join(args), p.returncode, p.stderr[-3000:]))
    lines = [l for l in p.stderr.splitlines() if l.startswith("rib_census ")]
    summary = re.search(r"job rib_census/rib_census: (\d+) runs \(every %d s of MRT time\), 0 failed, 0 skipped"
                        % INTERVAL, p.stderr)
    if summary is None:
        fail("no job summary in mempool-bgp's output:\n" + p.stderr[-2000:])
    if ("next due at %d, not reached" % pending) not in p.stderr:
        fail("the job summary does not say it was due at %d, not reached:\n%s" % (pending, p.stderr[-2000:]))
    return lines, int(summary.group(1)), p.stdout


def option(args, name, default):
    if name not in args:
        return default
    i = args.index(name)
    value = args[i + 1]
    del args[i:i + 2]
    return value


def check_probe(tool, plugin_dir, mrt):
    t0 = record_times(mrt)[0]
    want = ["job_probe run=1 t=%d first=0 second=-1" % (t0 + 100),
            "job_probe run=2 t=%d first=-1 second=0" % (t0 + 110),
            "job_probe run=3 t=%d first=0 second=0" % (t0 + 120)]
    outputs = []
    for interpreter in (False, True):
        args = [tool, "replay", "--plugins", os.path.join(plugin_dir, "job_probe.plugin"), mrt]
        if interpreter:
            args.insert(2, "--interpreter")
        p = subprocess.run(args, capture_output=True, text=True)
        if p.returncode != 0:
            fail("%s exited %d:\n%s" % (" ".join(args), p.returncode, p.stderr[-3000:]))
        got = [l for l in p.stderr.splitlines() if l.startswith("job_probe ")]
        if got != want:
            fail("job_probe printed %s, expected %s" % (got, want))
        summary = "job job_probe/job_probe: 3 runs (every 10 s of MRT time), 0 failed, 0 skipped\n"
        if summary not in p.stderr or "not reached" in p.stderr:
            fail("job summary: expected '%s' and nothing pending:\n%s" % (summary.strip(), p.stderr[-2000:]))
        outputs.append((got, p.stdout))
    if outputs[0] != outputs[1]:
        fail("the JIT and the interpreter gave different outputs")
    print("job_probe: reschedule_plugin's cases as expected at t0+100, +110, +120; JIT and interpreter identical")


def main():
    global INTERVAL
    args = sys.argv[1:]
    probe = "--probe" in args
    if probe:
        args.remove("--probe")
    bgpdump = option(args, "--bgpdump", "bgpdump")
    schedule = option(args, "--schedule", None)
    if len(args) != 3:
        fail("usage: xbgp_jobs_test.py TOOL PLUGIN_DIR MRT_FILE [--bgpdump B] [--schedule S]")
    tool, plugin_dir, mrt = args
    if not os.path.exists(mrt):
        fail("no MRT file %s" % mrt)
    if probe:
        check_probe(tool, plugin_dir, mrt)
        return
    manifest = os.path.join(plugin_dir, "rib_census.plugin")
    tmp = tempfile.TemporaryDirectory()
    if schedule is not None:
        INTERVAL = int(schedule)
        with open(manifest) as f:
            doc = json.load(f)
        for code in doc["obj_code_list"].values():
            code["obj"] = os.path.abspath(os.path.join(plugin_dir, code["obj"]))
        doc["job_plugins"]["rib_census"]["schedule"] = INTERVAL
        manifest = os.path.join(tmp.name, "rib_census.plugin")
        with open(manifest, "w") as f:
            json.dump(doc, f)
    want, pending = expected_runs(bgpdump, mrt)
    if not want:
        fail("%s spans less than %d s: the job would never run" % (mrt, INTERVAL))
    outputs = []
    for interpreter in (False, True):
        label = "interpreter" if interpreter else "JIT"
        got, runs, report = run_tool(tool, manifest, mrt, interpreter, pending)
        if got != want:
            for g, w in zip(got + [""] * len(want), want + [""] * len(got)):
                if g != w:
                    fail("%s: got '%s', expected '%s' (%d lines, %d expected)" % (label, g, w, len(got), len(want)))
        if runs != len(want):
            fail("%s: the summary counts %d runs, expected %d" % (label, runs, len(want)))
        print("%s: %d runs as expected, e.g. %s" % (label, runs, want[-1]))
        outputs.append((got, report))
    if outputs[0] != outputs[1]:
        fail("the JIT and the interpreter gave different outputs")
    print("JIT and interpreter: identical log lines and reports")


if __name__ == "__main__":
    main()
