#!/usr/bin/env python3
"""xbgp_send_test.py: our sending-side xBGP plugins (plugins/xbgp/send.meta)
on a real MRT file, exported to the neighbours of a configuration, checked
by reading the UPDATEs sent back with `bgpdump -m` and comparing them with
what each plugin's rule implies:

  refuse_odd_24    (bgp_pre_outbound_filter) no IPv4 /24 whose third octet
                   is odd reaches an eBGP neighbour
  source_as_med +  (bgp_pre_outbound_filter, bgp_encode_attr) every route
  encode_med_attr  sent to an eBGP neighbour carries a MED, and that MED is
                   the AS of a peer that announced the prefix in the input
                   (bgpdump -m of the input file says which peers did)
  ibgp_path_limit  (bgp_outbound_filter) no route with more than 4 ASes in
                   its AS_PATH reaches an iBGP neighbour
  tag_destination  (bgp_encode_custom_attr) every route sent carries, last,
                   the community LOCAL_AS:NEIGHBOUR_AS (low 16 bits each)
  refresh_once     (refresh_once.plugin, alone) schedule_bgp_message: one
                   ROUTE-REFRESH record to 198.51.100.1 in the MRT output
                   (read here, record by record), with the time of the
                   first UPDATEs and before them, -1 for an address no
                   neighbour has, every UPDATE as without plugins

and that nothing else changes: the routes sent (neighbour, prefix, AS path,
origin, next hop; over iBGP the MED too) are exactly those sent without
plugins minus the ones the two filters refuse, with the same communities
before the tag. Each rule must have something to act on in the file. The
plugins run under the JIT and under the interpreter, which must write the
same bytes and the same report.

Usage: xbgp_send_test.py TOOL PLUGIN_DIR MRT_FILE EXPORT_CONFIG --bgpdump B
Exit status 0 when every check holds; a missing file is a failure.
"""
import gzip
import ipaddress
import json
import os
import struct
import subprocess
import sys

MAX_IBGP_ASES = 4


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def path_asns(text):
    return [int(t) for t in text.replace("{", " ").replace("}", " ").replace(",", " ").split()]


def refused_to_ebgp(prefix):
    net = ipaddress.ip_network(prefix)
    return net.version == 4 and net.prefixlen == 24 and (int(net.network_address) >> 8) & 1 == 1


def bgpdump_lines(bgpdump, mrt):
    p = subprocess.run([bgpdump, "-m", mrt], capture_output=True, text=True)
    if p.returncode != 0:
        fail("bgpdump -m %s exited %d: %s" % (mrt, p.returncode, p.stderr[-2000:]))
    return [l.split("|") for l in p.stdout.splitlines()]


def announcements(lines):
    """A lines as dicts: neighbour address and AS, prefix, path, origin,
    next hop, MED, communities."""
    out = []
    for f in lines:
        if len(f) < 12 or f[2] != "A":
            continue
        out.append({"peer": str(ipaddress.ip_address(f[3])), "as": int(f[4]), "prefix": f[5], "path": f[6],
                    "origin": f[7], "next_hop": f[8], "med": int(f[10] or 0), "communities": f[11].split()})
    return out


def mrt_messages(path):
    """(timestamp, neighbour address, BGP message bytes) of every BGP4MP
    message record (RFC 6396 §4.4.2, 4.4.3)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    out, i = [], 0
    while i + 12 <= len(data):
        ts, typ, sub, length = struct.unpack(">IHHI", data[i:i + 12])
        body = data[i + 12:i + 12 + length]
        i += 12 + length
        if typ != 16 or sub not in (1, 4):
            continue
        at = (8 if sub == 4 else 4) + 2
        afi = struct.unpack(">H", body[at:at + 2])[0]
        size = 4 if afi == 1 else 16
        peer = ipaddress.ip_address(body[at + 2:at + 2 + size])
        out.append((ts, str(peer), body[at + 2 + 2 * size:]))
    return out


def run_tool(tool, args):
    p = subprocess.run([tool, "replay"] + args, capture_output=True, text=True)
    if p.returncode != 0:
        fail("mempool-bgp %s exited %d:\n%s" % (" ".join(args), p.returncode, p.stderr[-3000:]))
    return json.loads(p.stdout)


def key(a, ibgp):
    k = (a["peer"], a["prefix"], a["path"], a["origin"], a["next_hop"])
    return k + (a["med"],) if ibgp else k


def check_schedule(tool, plugin_dir, mrt, config, stem, base_messages):
    """refresh_once.plugin: schedule_bgp_message writes one ROUTE-REFRESH."""
    if "198.51.100.1" not in {n["address"] for n in json.load(open(config))["neighbours"]}:
        fail("refresh_once needs the neighbour 198.51.100.1 in %s" % config)
    outputs = []
    for mode in ([], ["--interpreter"]):
        out_file = stem + "_refresh.mrt"
        p = subprocess.run([tool, "replay", "--plugins", os.path.join(plugin_dir, "refresh_once.plugin"), "--export-to",
                            config, "--updates-out", out_file] + mode + [mrt], capture_output=True, text=True)
        if p.returncode != 0 or "refresh_once: 0 -1" not in p.stderr:
            fail("refresh_once: exit %d, stderr %s" % (p.returncode, p.stderr[-1000:]))
        outputs.append(mrt_messages(out_file))
        os.unlink(out_file)
    if outputs[0] != outputs[1]:
        fail("refresh_once: the JIT and the interpreter wrote different records")
    refresh = [m for m in outputs[0] if m[2][18] == 5]
    updates = [m for m in outputs[0] if m[2][18] == 2]
    want = bytes([0xff] * 16) + bytes([0, 23, 5, 0, 1, 0, 1])
    if len(refresh) != 1 or refresh[0][1] != "198.51.100.1" or refresh[0][2] != want:
        fail("refresh_once: want one ROUTE-REFRESH %s to 198.51.100.1, got %s" % (want.hex(), refresh))
    if not updates or refresh[0][0] != updates[0][0]:
        fail("refresh_once: the ROUTE-REFRESH should have the time of the first UPDATEs (%d), not %d" %
             (updates[0][0] if updates else -1, refresh[0][0]))
    if outputs[0].index(refresh[0]) > outputs[0].index(updates[0]):
        fail("refresh_once: the ROUTE-REFRESH, scheduled while the first UPDATEs were decided, should come before them")
    if sorted(updates) != sorted(base_messages):
        fail("refresh_once: the UPDATEs changed (%d, without plugins %d)" % (len(updates), len(base_messages)))


def main():
    args = sys.argv[1:]
    if len(args) != 6 or args[4] != "--bgpdump":
        fail("usage: xbgp_send_test.py TOOL PLUGIN_DIR MRT_FILE EXPORT_CONFIG --bgpdump B")
    tool, plugin_dir, mrt, config, _, bgpdump = args
    for f in (mrt, config):
        if not os.path.exists(f):
            fail("%s is missing" % f)
    with open(config) as f:
        conf = json.load(f)
    local_as = conf["local"]["as"]
    tmp = os.environ.get("TMPDIR", "/tmp")
    stem = os.path.join(tmp, "xbgp_send_%d" % os.getpid())

    # What the input says: which peer ASes announced each prefix.
    announcers = {}
    for f in bgpdump_lines(bgpdump, mrt):
        if len(f) > 5 and f[2] == "A":
            announcers.setdefault(f[5], set()).add(int(f[4]))

    base_file = stem + "_base.mrt"
    run_tool(tool, ["--plugins", "none", "--json", "--export-to", config, "--updates-out", base_file, mrt])
    base = announcements(bgpdump_lines(bgpdump, base_file))
    base_messages = mrt_messages(base_file)
    os.unlink(base_file)
    check_schedule(tool, plugin_dir, mrt, config, stem, base_messages)

    outputs = []
    for mode in ([], ["--interpreter"]):
        out_file = stem + ("_interp.mrt" if mode else "_jit.mrt")
        report = run_tool(tool, ["--plugins", os.path.join(plugin_dir, "send.meta"), "--json", "--export-to", config,
                                 "--updates-out", out_file] + mode + [mrt])
        with open(out_file, "rb") as f:
            outputs.append((f.read(), report["export"]))
        if not mode:
            sent = announcements(bgpdump_lines(bgpdump, out_file))
        os.unlink(out_file)
    if outputs[0][0] != outputs[1][0]:
        fail("the JIT and the interpreter wrote different UPDATEs")
    if outputs[0][1] != outputs[1][1]:
        fail("the JIT and the interpreter report different export figures:\n%s\n%s" % (outputs[0][1], outputs[1][1]))
    export = outputs[0][1]

    if not sent:
        fail("no route was sent")
    ibgp = lambda a: a["as"] == local_as
    # refuse_odd_24 and ibgp_path_limit: the rules hold, and had work to do.
    odd = [a for a in sent if not ibgp(a) and refused_to_ebgp(a["prefix"])]
    if odd:
        fail("refuse_odd_24: %d routes refused to eBGP were sent, e.g. %s" % (len(odd), odd[0]))
    long_paths = [a for a in sent if ibgp(a) and len(path_asns(a["path"])) > MAX_IBGP_ASES]
    if long_paths:
        fail("ibgp_path_limit: %d routes with more than %d ASes went to iBGP, e.g. %s" %
             (len(long_paths), MAX_IBGP_ASES, long_paths[0]))
    base_odd = sum(1 for a in base if not ibgp(a) and refused_to_ebgp(a["prefix"]))
    base_long = sum(1 for a in base if ibgp(a) and len(path_asns(a["path"])) > MAX_IBGP_ASES)
    if base_odd == 0 or base_long == 0:
        fail("the file gives the filters nothing to refuse (%d odd /24s to eBGP, %d long paths to iBGP)" %
             (base_odd, base_long))
    # source_as_med + encode_med_attr: MED = an announcer of the prefix.
    ebgp_sent = [a for a in sent if not ibgp(a)]
    bad_med = [a for a in ebgp_sent if a["med"] not in announcers.get(a["prefix"], set())]
    if bad_med:
        fail("source_as_med: %d routes to eBGP without the MED of an announcer, e.g. %s (announcers %s)" %
             (len(bad_med), bad_med[0], sorted(announcers.get(bad_med[0]["prefix"], set()))))
    # tag_destination: the last community, and the others unchanged.
    base_communities = {}
    for a in base:
        base_communities.setdefault(key(a, ibgp(a)), set()).add(" ".join(a["communities"]))
    for a in sent:
        want = "%d:%d" % (local_as & 0xffff, a["as"] & 0xffff)
        if not a["communities"] or a["communities"][-1] != want:
            fail("tag_destination: %s should end with the community %s" % (a, want))
        if " ".join(a["communities"][:-1]) not in base_communities.get(key(a, ibgp(a)), set()):
            fail("tag_destination: the other communities changed: %s (without plugins: %s)" %
                 (a, base_communities.get(key(a, ibgp(a)))))
    # Nothing else changes: the routes sent are the others of the run without plugins.
    want = {key(a, ibgp(a)) for a in base
            if not (not ibgp(a) and refused_to_ebgp(a["prefix"]))
            and not (ibgp(a) and len(path_asns(a["path"])) > MAX_IBGP_ASES)}
    got = {key(a, ibgp(a)) for a in sent}
    if got != want:
        missing, extra = sorted(want - got), sorted(got - want)
        fail("routes sent differ from the expected: %d missing (e.g. %s), %d extra (e.g. %s)" %
             (len(missing), missing[:2], len(extra), extra[:2]))
    refused = {n["ip"]: n.get("refused", {}).get("outbound_filter", 0) for n in export["neighbours"]}
    if not all(refused.values()):
        fail("every neighbour should have routes refused by an outbound filter: %s" % refused)
    print("ok: %d announcements checked (%d to eBGP with a MED); without plugins %d odd /24s went to eBGP and %d long paths to iBGP; "
          "outbound_filter refusals %s; schedule_bgp_message's ROUTE-REFRESH written; JIT and interpreter identical" %
          (len(sent), len(ebgp_sent), base_odd, base_long, refused))


if __name__ == "__main__":
    main()
