#!/usr/bin/env python3
"""xbgp_send_collection_test.py: the public xBGP plugin collection's
manifests with sending-side points, run unchanged (their own manifests and
objects) on a replay of a real MRT file exported to the neighbours of a
configuration (mempool-bgp replay --plugins M --export-to C --updates-out F).

The collection (pluginized-protocols/xbgp_plugins, a checkout or a bare
repository) is compiled with tests/xbgp/compile_collection.sh against our
xBGP API headers; each manifest is copied beside its objects. Then, per
manifest, what must happen (EXPECTED below) is checked, under the JIT and
the interpreter:

  runs     the replay succeeds, bgpdump -m reads every record written, the
           two modes write the same bytes, and the manifest's own check
           (CHECKS) holds
  refused  loading fails, naming the code the verifier refuses

Usage: xbgp_send_collection_test.py TOOL COLLECTION MRT_FILE EXPORT_CONFIG --bgpdump B
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
COMPILE = os.path.join(HERE, "..", "xbgp", "compile_collection.sh")

# manifest -> ("runs", None) or ("refused", text the refusal must contain)
EXPECTED = {
    "simple_filters/set_med_42.plugin": ("runs", None),
    "geo_tags/export_igp_metric.plugin": ("runs", None),
    "geo_tags/geo_tags.plugin": ("runs", None),
    "propagation_time/propagation_time.plugin": ("runs", None),
    "route_reflector/rr.plugin": ("runs", None),
    "route_reflector/rr_both.plugin": ("runs", None),
}

# Manifests whose UPDATEs carry the wall clock (get_realtime: the time a
# route arrived, as communities and an attribute), which differs between
# the JIT's run and the interpreter's, and with it which changes are sent
# again: for them the two modes must announce the same prefixes to the same
# neighbours, not the same bytes.
WALL_CLOCK = {"propagation_time/propagation_time.plugin"}


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def a_lines(bgpdump, path):
    p = subprocess.run([bgpdump, "-m", path], capture_output=True, text=True)
    if p.returncode != 0:
        fail("bgpdump -m %s exited %d: %s" % (path, p.returncode, p.stderr[-1000:]))
    return [l.split("|") for l in p.stdout.splitlines() if l.split("|")[2:3] == ["A"]]


def main():
    args = sys.argv[1:]
    if len(args) != 6 or args[4] != "--bgpdump":
        fail("usage: xbgp_send_collection_test.py TOOL COLLECTION MRT_FILE EXPORT_CONFIG --bgpdump B")
    tool, collection, mrt, config, _, bgpdump = args
    for f in (collection, mrt, config):
        if not os.path.exists(f):
            fail("%s is missing" % f)
    work = tempfile.mkdtemp(prefix="xbgp_send_coll_")
    try:
        objs = os.path.join(work, "objects")
        p = subprocess.run(["bash", COMPILE, "--out", objs, collection], capture_output=True, text=True)
        if p.returncode != 0:
            fail("compile_collection.sh exited %d: %s" % (p.returncode, p.stderr[-2000:]))
        base_out = os.path.join(work, "base.mrt")
        subprocess.run([tool, "replay", "--plugins", "none", "--export-to", config, "--updates-out", base_out, mrt],
                       check=True, capture_output=True)
        base = a_lines(bgpdump, base_out)
        summary = []
        for manifest, (want, detail) in sorted(EXPECTED.items()):
            folder, name = os.path.split(manifest)
            text = subprocess.run(["git", "--git-dir", collection, "show", "HEAD:" + manifest], capture_output=True,
                                  text=True).stdout if not os.path.isdir(os.path.join(collection, folder)) else \
                open(os.path.join(collection, manifest)).read()
            mdir = os.path.join(work, folder)
            os.makedirs(mdir, exist_ok=True)
            with open(os.path.join(mdir, name), "w") as f:
                f.write(text)
            for code in json.loads(text)["obj_code_list"].values():
                stem = os.path.splitext(code["obj"])[0]
                src = os.path.join(objs, folder.replace("/", "__") + "__" + stem + ".o")
                if os.path.exists(src):
                    shutil.copy(src, os.path.join(mdir, code["obj"]))
            results = []
            for mode in ([], ["--interpreter"]):
                out = os.path.join(work, "sent_%s.mrt" % ("i" if mode else "j"))
                r = subprocess.run([tool, "replay", "--plugins", os.path.join(mdir, name), "--json", "--export-to",
                                    config, "--updates-out", out] + mode + [mrt], capture_output=True, text=True)
                results.append((r, out))
            if want == "refused":
                for r, _ in results:
                    if r.returncode == 0 or detail not in r.stderr:
                        fail("%s: should be refused at load naming %s; exit %d:\n%s" %
                             (manifest, detail, r.returncode, r.stderr[-1500:]))
                summary.append("%s refused (%s)" % (manifest, detail))
                continue
            for r, _ in results:
                if r.returncode != 0:
                    fail("%s: replay exited %d:\n%s" % (manifest, r.returncode, r.stderr[-2000:]))
            sent = a_lines(bgpdump, results[0][1])
            if manifest in WALL_CLOCK:
                def routes(lines):
                    return {(l[3], l[5]) for l in lines}
                if routes(sent) != routes(a_lines(bgpdump, results[1][1])):
                    fail("%s: the JIT and the interpreter announced different prefixes" % manifest)
            else:
                with open(results[0][1], "rb") as a, open(results[1][1], "rb") as b:
                    if a.read() != b.read():
                        fail("%s: the JIT and the interpreter wrote different UPDATEs" % manifest)
            # (the order of the messages of one record may differ: compare the lines)
            if manifest == "simple_filters/set_med_42.plugin" and any(l[10] != "42" for l in sent):
                fail("%s: an announcement without MED 42 (set_med_42 sets it, encode_med writes it)" % manifest)
            same = sorted("|".join(l) for l in sent) == sorted("|".join(l) for l in base)
            log = results[0][0].stderr
            first = log.strip().splitlines()[0][:90] if log.strip() else ""
            summary.append("%s runs: %d announcements (%d without plugins), %s; log: %d bytes%s" %
                           (manifest, len(sent), len(base),
                            "the same routes as without plugins" if same else "routes differ from the run without plugins",
                            len(log), ", starting '%s'" % first if first else ""))
        print("\n".join(summary))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
