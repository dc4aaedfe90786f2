#!/usr/bin/env python3
"""xbgp_plugins_test.py: our xBGP plugins (plugins/xbgp) on a real MRT file,
checked against expectations computed here from `bgpdump -m`, independently
of mempool-bgp.

The script replays bgpdump's one-line-per-prefix output itself — an A line
installs (peer, prefix), a W line removes it, a STATE line to a state other
than Established (6) clears the peer — and derives what each plugin must
have done:

  reject_as_path      an announcement whose AS path holds AS 3356 withdraws
                      the route instead; rejections counted per peer
  tag_communities     attribute 250 = the number of 3257:x communities, on
                      routes with at least one
  copy_aggregator     attribute 251 = AGGREGATOR as received (AS, 2 or 4
                      bytes, then the IPv4 address) on routes that have one
  probe_route         attribute 253 = peer AS, prefix length, 1, 1, 1, the
                      MRT time of the announcement; 254 = ORIGIN; 252 =
                      get_nexthop/get_route_info: route type 2 and IGP
                      metric 0 when bgpdump's next hop is the peer's own
                      address, else 0xff and 0x80000000 (no IGP in a
                      replay); type 9 (BGP), uptime 0, reason 0
  prefer_communities  the best route of each prefix has the most
                      communities, then the host's rule (lower 4L+origin,
                      lower peer address, lower peer AS)

Then it runs `mempool-bgp replay --plugins all.meta --rib-out - --rib-format
jsonl` under the JIT and the interpreter and checks that both give exactly
the expected RIB, attributes, best routes and rejection counts, and the
same bytes. With --pass-next it checks instead that pass_next.plugin
(next() at every receiving point) changes nothing: the RIB dump equals the
one of `--plugins none`.

Usage: xbgp_plugins_test.py TOOL PLUGIN_DIR MRT_FILE [--bgpdump B] [--pass-next]
Exit status 0 when every check holds; a missing MRT file is a failure.
"""
import ipaddress
import json
import os
import subprocess
import sys

REJECTED_AS = 3356
COMMUNITY_AS = 3257


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def path_asns(text):
    return [int(t) for t in text.replace("{", " ").replace("}", " ").replace(",", " ").replace("(", " ")
            .replace(")", " ").replace("[", " ").replace("]", " ").split()]


def path_length(text):
    """L of the host's rule: a repeat of the AS just before counts 0, an
    AS_SET counts 1 and ends the run, confederation segments count 0."""
    n, prev, confed = 0, None, False
    for tok in text.split():
        if tok.startswith("{"):
            n, prev = n + 1, None
            continue
        if tok.startswith("(") or tok.startswith("["):
            confed = True
        if confed:
            if tok.endswith(")") or tok.endswith("]"):
                confed = False
            continue
        a = int(tok)
        if a != prev:
            n += 1
        prev = a
    return n


def expected_state(bgpdump, mrt):
    out = subprocess.run([bgpdump, "-m", mrt], check=True, capture_output=True, text=True).stdout
    rib, rejected = {}, {}
    for line in out.splitlines():
        f = line.split("|")
        if len(f) < 6:
            continue
        # Peer addresses in Python's form on both sides: bgpdump shortens a
        # single zero group of an IPv6 address to "::", mempool-bgp does not
        # (RFC 5952 4.2.2).
        kind, peer = f[2], (str(ipaddress.ip_address(f[3])), int(f[4]))
        if kind == "STATE":
            if int(f[6]) != 6:
                for k in [k for k in rib if k[:2] == peer]:
                    del rib[k]
            continue
        key = (peer[0], peer[1], f[5])
        if kind == "W":
            rib.pop(key, None)
        elif kind == "A":
            if REJECTED_AS in path_asns(f[6]):
                rejected[peer] = rejected.get(peer, 0) + 1
                rib.pop(key, None)
                continue
            # BGP4MP_ET lines carry "seconds.microseconds"; get_time's seconds are the whole part.
            rib[key] = {"time": int(f[1].split(".")[0]), "path": f[6], "origin": f[7], "next_hop": f[8],
                        "communities": f[11].split() if f[11] else [], "aggregator": f[13]}
    return rib, rejected


def run_tool(tool, args):
    p = subprocess.run([tool, "replay"] + args, capture_output=True, text=True)
    if p.returncode != 0:
        fail("mempool-bgp %s exited %d:\n%s" % (" ".join(args), p.returncode, p.stderr[-3000:]))
    return p.stdout, p.stderr


def addr_key(ip):
    a = ipaddress.ip_address(ip)
    return (a.version, int(a))


def check_all(tool, plugin_dir, mrt, bgpdump):
    rib, rejected = expected_state(bgpdump, mrt)
    outputs = []
    for mode in ([], ["--interpreter"]):
        dump = os.path.join(os.environ.get("TMPDIR", "/tmp"), "xbgp_rib_%d.jsonl" % os.getpid())
        report, stderr = run_tool(tool, ["--plugins", os.path.join(plugin_dir, "all.meta"), "--json",
                                         "--rib-out", dump, "--rib-format", "jsonl"] + mode + [mrt])
        with open(dump) as f:
            lines = f.read()
        os.unlink(dump)
        outputs.append((lines, report))
        label = "interpreter" if mode else "JIT"
        if stderr.count("reject_as_path: first route through AS3356 rejected") != 1:
            fail("%s: the first-rejection message should appear once:\n%s" % (label, stderr[-2000:]))
        routes = [json.loads(l) for l in lines.splitlines()]
        got = {(str(ipaddress.ip_address(r["peer_ip"])), r["peer_as"], r["prefix"]): r for r in routes}
        if set(got) != set(rib):
            missing, extra = set(rib) - set(got), set(got) - set(rib)
            fail("%s: RIB differs: %d missing (e.g. %s), %d extra (e.g. %s)" %
                 (label, len(missing), sorted(missing)[:3], len(extra), sorted(extra)[:3]))
        checked = {"tag": 0, "aggregator": 0, "probe": 0, "connected": 0, "unresolved": 0}
        for key, want in rib.items():
            r = got[key]
            attrs = {a["code"]: a["value"] for a in r.get("plugin_attributes", [])}
            tags = sum(1 for c in want["communities"] if c.split(":")[0] == str(COMMUNITY_AS))
            if tags:
                if attrs.get(250) != "%08x" % tags:
                    fail("%s: %s: attribute 250 %s, expected %d 3257:x communities" % (label, key, attrs.get(250), tags))
                checked["tag"] += 1
            elif 250 in attrs:
                fail("%s: %s: attribute 250 without 3257:x communities" % (label, key))
            if want["aggregator"]:
                asn, ip = want["aggregator"].split()
                got_agg = attrs.get(251)
                ip_hex = ipaddress.ip_address(ip).packed.hex()
                if got_agg is None or not got_agg.endswith(ip_hex):
                    fail("%s: %s: attribute 251 %s, expected AGGREGATOR %s" % (label, key, got_agg, want["aggregator"]))
                as_hex = got_agg[:-8]
                ok = (len(as_hex) in (4, 8) and int(as_hex, 16) == int(asn)) or \
                     (len(as_hex) == 4 and int(as_hex, 16) == 23456 and int(asn) > 65535)
                if not ok:
                    fail("%s: %s: attribute 251 AS part %s, expected AS %s" % (label, key, as_hex, asn))
                checked["aggregator"] += 1
            elif 251 in attrs:
                fail("%s: %s: attribute 251 without an AGGREGATOR" % (label, key))
            prefix_len = int(key[2].split("/")[1])
            probe = "%08x%02x010101%08x" % (key[1], prefix_len, want["time"])
            if attrs.get(253) != probe:
                fail("%s: %s: attribute 253 %s, expected %s" % (label, key, attrs.get(253), probe))
            connected = ipaddress.ip_address(want["next_hop"]) == ipaddress.ip_address(key[0])
            route = ("02" + "%016x" % 0 if connected else "ff" + "%016x" % 0x80000000) + "%08x" % 9 + "%08x" % 0 + "00"
            if attrs.get(252) != route:
                fail("%s: %s: attribute 252 %s, expected %s (next hop %s)" % (label, key, attrs.get(252), route,
                                                                           want["next_hop"]))
            checked["connected" if connected else "unresolved"] += 1
            origin = {"IGP": "00", "EGP": "01", "INCOMPLETE": "02"}[want["origin"]]
            if attrs.get(254) != origin:
                fail("%s: %s: attribute 254 %s, expected ORIGIN %s" % (label, key, attrs.get(254), origin))
            checked["probe"] += 1
        # Best routes: most communities, then lower 4L+origin, peer address, peer AS.
        by_prefix = {}
        for key, want in rib.items():
            rank = (-len(want["communities"]),
                    4 * path_length(want["path"]) + {"IGP": 0, "EGP": 1, "INCOMPLETE": 2}[want["origin"]],
                    addr_key(key[0]), key[1])
            if key[2] not in by_prefix or rank < by_prefix[key[2]][0]:
                by_prefix[key[2]] = (rank, key)
        best = {k for k, r in got.items() if r["best"]}
        want_best = {v[1] for v in by_prefix.values()}
        if best != want_best:
            diff = sorted(best ^ want_best)[:4]
            fail("%s: best routes differ on %d routes, e.g. %s" % (label, len(best ^ want_best), diff))
        peers = json.loads(report)["peers"]
        for p in peers:
            want = rejected.get((str(ipaddress.ip_address(p["peer_ip"])), p["peer_as"]), 0)
            if p.get("rejected_by_inbound_filter") != want:
                fail("%s: peer %s AS%d rejected %s, expected %d" % (label, p["peer_ip"], p["peer_as"],
                                                                    p.get("rejected_by_inbound_filter"), want))
        print("%s: %d routes, %d rejections, %d tagged, %d aggregators copied, %d probed (next hop: %d the peer, "
              "%d unresolved), %d best routes: as expected"
              % (label, len(rib), sum(rejected.values()), checked["tag"], checked["aggregator"], checked["probe"],
                 checked["connected"], checked["unresolved"], len(want_best)))
    if outputs[0] != outputs[1]:
        fail("the JIT and the interpreter gave different outputs")
    print("JIT and interpreter: identical RIB dumps and reports")


def rib_dump(tool, args, mrt):
    """The jsonl RIB dump of a replay with `args`."""
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "xbgp_pass_%d.jsonl" % os.getpid())
    run_tool(tool, args + ["--rib-out", path, "--rib-format", "jsonl", mrt])
    with open(path) as f:
        text = f.read()
    os.unlink(path)
    return text


def check_pass_next(tool, plugin_dir, mrt):
    plain = rib_dump(tool, ["--plugins", "none"], mrt)
    for mode in ([], ["--interpreter"]):
        out = rib_dump(tool, ["--plugins", os.path.join(plugin_dir, "pass_next.plugin")] + mode, mrt)
        if out != plain:
            fail("pass_next (%s) changed the RIB dump" % ("interpreter" if mode else "JIT"))
    print("pass_next: the RIB dump (%d routes, best routes included) equals --plugins none's, JIT and interpreter"
          % len(plain.splitlines()))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    bgpdump = "bgpdump"
    if "--bgpdump" in sys.argv:
        bgpdump = sys.argv[sys.argv.index("--bgpdump") + 1]
        args.remove(bgpdump)
    if len(args) != 3:
        print(__doc__)
        sys.exit(2)
    tool, plugin_dir, mrt = args
    if not os.path.isfile(mrt):
        fail("MRT file %s is missing (set MEMPOOL_MRT_DATA)" % mrt)
    if "--pass-next" in sys.argv:
        check_pass_next(tool, plugin_dir, mrt)
    else:
        check_all(tool, plugin_dir, mrt, bgpdump)


if __name__ == "__main__":
    main()
