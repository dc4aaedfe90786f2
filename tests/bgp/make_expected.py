#!/usr/bin/env python3
"""Computes the expected per-peer figures of every MRT file in a folder,
independently of mempool-bgp, from Debian's bgpdump:

  - `bgpdump -m FILE` gives one line per announced (A), withdrawn (W) or RIB
    dump (B) prefix and one per state change (STATE);
  - `bgpdump FILE` (verbose) gives one block per message: the count of each
    message type per peer (open, update, notification, keepalive) is the
    number of "TYPE: .../Open", "/Update", "/Notify", "/Keepalive" blocks
    FROM that peer (received messages only; *_LOCAL ones are the collector's);
  - the MRT record count comes from walking the record headers here.

Routes and best routes are computed by replaying the A/W/B/STATE lines into
an Adj-RIB-In per peer and applying the selection rule of issue 4 item 5:
metric = 4*L + origin (L: AS path length, consecutive repeats counted once,
AS_SET 1, confederation segments 0); ties: lower peer IP (IPv4 first), lower
peer AS, lower add-path id.

Usage: make_expected.py DATA_DIR OUT_DIR   (writes OUT_DIR/<file>.json)
"""
import bz2
import gzip
import ipaddress
import json
import os
import socket
import struct
import subprocess
import sys
import zlib
from collections import defaultdict


def open_any(path):
    with open(path, "rb") as f:
        magic = f.read(3)
    if magic[:2] == b"\x1f\x8b":
        return gzip.open(path, "rb")
    if magic == b"BZh":
        return bz2.open(path, "rb")
    return open(path, "rb")


def count_records(path):
    """The records as their headers frame them, whether that framing ends
    exactly with the stream (if not, bgpdump, which frames the same way, has
    read something else than the file's records past that point), and the
    record types seen. Streamed: a full table is gigabytes once inflated."""
    n = 0
    types = set()
    with open_any(path) as f:
        try:
            while True:
                header = f.read(12)
                if len(header) < 12:
                    return n, len(header) == 0, types
                (rtype,) = struct.unpack(">H", header[4:6])
                (length,) = struct.unpack(">I", header[8:12])
                if len(f.read(length)) < length:
                    return n, False, types
                n += 1
                types.add(rtype)
        except (EOFError, OSError, zlib.error):  # a compressed stream cut short or corrupt
            return n, False, types


def bgpdump_lines(args):
    """bgpdump's output, line by line, as it comes (never held whole)."""
    with subprocess.Popen(["bgpdump"] + args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as p:
        yield from (line.rstrip("\n") for line in p.stdout)
    if p.returncode != 0:
        raise subprocess.CalledProcessError(p.returncode, ["bgpdump"] + args)


def path_length(text):
    """L of issue 4: tokens of bgpdump's AS path text."""
    n = 0
    prev = None
    i = 0
    toks = text.replace("{", " { ").replace("}", " } ").replace("[", " [ ").replace("]", " ] ") \
        .replace("(", " ( ").replace(")", " ) ").split()
    while i < len(toks):
        t = toks[i]
        if t == "{":  # AS_SET counts 1
            while toks[i] != "}":
                i += 1
            n += 1
            prev = None
        elif t in ("[", "("):  # confederation segment: 0, does not break a run
            close = "]" if t == "[" else ")"
            while toks[i] != close:
                i += 1
        else:
            asn = t
            if asn != prev:
                n += 1
            prev = asn
        i += 1
    return n


ORIGIN = {"IGP": 0, "EGP": 1, "INCOMPLETE": 2}


def ntop(ip):
    """The address as glibc's inet_ntop writes it (issue 4: 'as inet_ntop
    writes them'). bgpdump differs for IPv6 addresses with a single zero
    group: it writes 2001:7f8:30::1:1:0:1853 where inet_ntop (RFC 5952)
    writes 2001:7f8:30:0:1:1:0:1853."""
    fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
    return socket.inet_ntop(fam, socket.inet_pton(fam, ip))


def masked(prefix):
    """bgpdump prints prefixes with bits past their length as received
    (11.13.0.0/13); mempool-bgp masks them (11.8.0.0/13)."""
    return ipaddress.ip_network(prefix, strict=False)


def ip_key(ip):
    a = ipaddress.ip_address(ip)
    return (a.version, int(a))


def parse_line(line, peers, rib, unreliable):
    """One line of `bgpdump -m` into the peers' figures and Adj-RIBs-In;
    False for a line it cannot read (bgpdump prints garbage for some
    corrupt records)."""
    f = line.split("|")
    try:
        kind = f[2]
        peer = (ntop(f[3]), int(f[4]))
    except (IndexError, ValueError, OSError):
        return False
    if kind == "STATE":
        if len(f) < 7 or not f[6].isdigit():
            return False
        peers[peer]["state_changes"] += 1
        if int(f[6]) != 6:
            rib[peer].clear()
        return True
    fig = peers[peer]
    try:
        net = masked(f[5])
    except ValueError:  # bgpdump prints garbage for some corrupt records ("0.5.0.3/117")
        return False
    fam = "v4" if net.version == 4 else "v6"
    # The add-path forms (BGP4MP_AP, TABLE_DUMP2_AP) put the path id
    # after the prefix; the other fields follow one place later.
    add_path = f[0].endswith("_AP")
    path_id = int(f[6]) if add_path and len(f) > 6 and f[6] else 0
    if add_path:
        f = f[:6] + f[7:]
    if kind == "W":
        fig["withdrawn_" + fam] += 1
        # For the deprecated BGP type (5) bgpdump prints the peer's
        # address in place of each withdrawn prefix: the count holds,
        # which route went does not.
        if f[0] == "BGP" and f[5].split("/")[0] == f[3]:
            unreliable.add(peer)
            return True
        rib[peer].pop((net, path_id), None)
        return True
    try:
        metric = 4 * path_length(f[6]) + ORIGIN[f[7]]
    except (IndexError, KeyError):  # an origin such as "NAG", a path cut short
        return False
    if kind == "A":
        fig["announced_" + fam] += 1
    elif kind == "B":
        fig["rib_entries"] += 1
    rib[peer][(net, path_id)] = metric
    return True


def oracle_failed(path, records):
    """The expectation of a file bgpdump crashed on: the records only."""
    return {"file": os.path.basename(path), "records": records, "peers": [], "oracle_failed": True}


def expected_for(path):
    peers = defaultdict(lambda: defaultdict(int))
    rib = defaultdict(dict)  # peer -> {(net, path_id): metric}
    unreliable = set()  # peers whose withdrawn prefixes bgpdump misprints
    unparsed = 0
    records, framed, types = count_records(path)
    try:
        for line in bgpdump_lines(["-m", path]):
            if not parse_line(line, peers, rib, unreliable):
                unparsed += 1
    except subprocess.CalledProcessError:  # bgpdump crashed on the file (it does on some corrupt records)
        return oracle_failed(path, records)
    # Messages are counted from the verbose output, which only the types
    # that carry messages need (BGP4MP, BGP4MP_ET, the deprecated BGP):
    # a table dump's runs to gigabytes.
    verbose = bgpdump_lines([path]) if types & {5, 16, 17} else iter(())
    kinds = {"Open": "open", "Update": "update", "Notify": "notification", "Keepalive": "keepalive"}
    kind = None
    # bgpdump prints no FROM line for a message whose MRT record gives the
    # peer AS 0 (a session not yet up), and does not decode the deprecated
    # BGP type's OPEN (5) and NOTIFY (6): counted here, per kind, unattributed.
    unattributed = defaultdict(int)
    undecoded = {"TYPE: Subtype 5 not supported yet": "open", "TYPE: Subtype 6 not supported yet": "notification"}
    try:
        for line in verbose:
            if line.startswith("TYPE:"):
                if kind:
                    unattributed[kind] += 1
                if line in undecoded:
                    unattributed[undecoded[line]] += 1
                    kind = None
                    continue
                t = line.split()[1].split("/")
                kind = kinds.get(t[-1]) if len(t) == 3 and "LOCAL" not in t[1] else None
            elif line.startswith("FROM:") and kind:
                ip, asn = line.split()[1:3]
                fig = peers[(ntop(ip), int(asn[2:]))]
                fig["messages_" + kind] += 1
                if kind == "update":
                    fig["update_messages"] += 1
                kind = None
        if kind:
            unattributed[kind] += 1
    except subprocess.CalledProcessError:  # bgpdump crashed on the file
        return oracle_failed(path, records)
    # selection
    candidates = defaultdict(list)
    for peer, routes in rib.items():
        peers[peer]["routes"] = len(routes)
        for (net, path_id), metric in routes.items():
            candidates[net].append((metric, ip_key(peer[0]), peer[1], path_id, peer))
    for net, cands in candidates.items():
        best = min(cands)
        peers[best[4]]["best_routes"] += 1
    names = ["update_messages", "announced_v4", "withdrawn_v4", "announced_v6", "withdrawn_v6",
             "state_changes", "rib_entries", "routes", "best_routes"]
    messages = ["open", "update", "notification", "keepalive"]
    listed = []
    # A peer is listed when any figure, message counts included, is not zero
    # (a peer that only sent OPEN or KEEPALIVE messages is listed).
    for (ip, asn), fig in sorted(peers.items(), key=lambda kv: (ip_key(kv[0][0]), kv[0][1])):
        if any(fig.get(n, 0) for n in names) or any(fig.get("messages_" + m, 0) for m in messages):
            row = {"peer_ip": ip, "peer_as": asn}
            row.update({n: fig.get(n, 0) for n in names})
            row["messages"] = {m: fig.get("messages_" + m, 0) for m in messages}
            if (ip, asn) in unreliable:
                row["withdrawals_unreliable"] = True
            listed.append(row)
    exp = {"file": os.path.basename(path), "records": records, "peers": listed}
    if not framed:
        exp["framing_broken"] = True
    # Only where bgpdump's view is incomplete, so that the pinned files keep their shape.
    if unattributed:
        exp["unattributed_messages"] = {m: unattributed.get(m, 0) for m in messages}
    if unparsed:
        exp["unparsed_lines"] = unparsed
    return exp


def main():
    data, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for name in sorted(os.listdir(data)):
        if name.endswith(".md"):
            continue
        exp = expected_for(os.path.join(data, name))
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump(exp, f, indent=1, sort_keys=True)
            f.write("\n")
        print(f"{name}: {exp['records']} records, {len(exp['peers'])} peers")


if __name__ == "__main__":
    main()
