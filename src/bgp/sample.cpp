// sample.cpp: the deterministic sample generator.
#include "sample.hpp"

#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "mrt_writer.hpp"

namespace mempool::bgp {
namespace {

class Rng {
public:
    explicit Rng(std::uint64_t seed) : s_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(next() % n); }

private:
    std::uint64_t s_;
};

constexpr std::uint32_t kTransits[] = {3356, 174, 1299, 2914, 6939, 3257, 6453, 701, 7018, 9002, 4200000123u, 396982};
constexpr std::uint32_t kGroup = 32;

bool is_v6(std::uint32_t j) { return j % 5 == 4; }

Prefix sample_prefix(std::uint32_t j) {
    Prefix p;
    if (is_v6(j)) {
        p.afi = Afi::ipv6;
        p.len = 48;
        p.addr[0] = 0x2a;
        p.addr[1] = 0x00;
        p.addr[2] = static_cast<std::uint8_t>(j >> 24);
        p.addr[3] = static_cast<std::uint8_t>(j >> 16);
        p.addr[4] = static_cast<std::uint8_t>(j >> 8);
        p.addr[5] = static_cast<std::uint8_t>(j);
    } else {
        p.afi = Afi::ipv4;
        p.len = 24;
        p.addr[0] = static_cast<std::uint8_t>(16 + ((j >> 16) % 200));
        p.addr[1] = static_cast<std::uint8_t>(j >> 8);
        p.addr[2] = static_cast<std::uint8_t>(j);
    }
    return p;
}

struct SamplePeer {
    PeerKey key;
    IpAddress next_hop_v4;
    IpAddress next_hop_v6;
};

SamplePeer make_peer(std::uint32_t i) {
    SamplePeer p;
    char buf[64];
    if (i % 3 == 2) {
        std::snprintf(buf, sizeof buf, "2001:db8:ffff::%x", i + 1);
        p.key.ip = parse_ip(buf);
    } else {
        std::snprintf(buf, sizeof buf, "10.%u.%u.1", (i >> 8) & 255, i & 255);
        p.key.ip = parse_ip(buf);
    }
    p.key.as = (i % 2 == 1) ? 4200000000u + i : 64512u + (i % 1000);
    std::snprintf(buf, sizeof buf, "10.%u.%u.1", (i >> 8) & 255, i & 255);
    p.next_hop_v4 = parse_ip(buf);
    std::snprintf(buf, sizeof buf, "2001:db8:ffff::%x", i + 1);
    p.next_hop_v6 = parse_ip(buf);
    return p;
}

class Generator {
public:
    Generator(const SampleOptions& o, const RecordSink& sink) : o_(o), sink_(sink), rng_(o.seed) {
        local_.ip = parse_ip("192.0.2.254");
        local_.as = 12654;
        for (std::uint32_t i = 0; i < o.peers; ++i) peers_.push_back(make_peer(i));
    }

    std::uint64_t run() {
        for (std::uint32_t i = 0; i < o_.peers; ++i) {
            state(i, 5, kStateEstablished);
            keepalive(i);
        }
        for (std::uint32_t i = 0; i < o_.peers; ++i) announce_table(i, 0);
        for (std::uint32_t i = 0; i < o_.peers; ++i) send(i, UpdateSpec{});  // End-of-RIB
        for (std::uint32_t u = 0; u < o_.updates; ++u) {
            if (u == o_.updates / 2 && o_.peers >= 2) {
                state(1, kStateEstablished, 1);  // the session drops
                state(1, 1, 2);
                state(1, 5, kStateEstablished);
                announce_table(1, u + 1);
                continue;
            }
            const std::uint32_t i = rng_.below(o_.peers);
            const std::uint32_t r = rng_.below(100);
            if (o_.prefixes == 0 || r >= 90) {
                keepalive(i);
                continue;
            }
            const std::uint32_t start = rng_.below(o_.prefixes);
            UpdateSpec s;
            const bool v6 = is_v6(start);
            const std::uint32_t n = r < 55 ? 1 + rng_.below(8) : 1 + rng_.below(4);
            for (std::uint32_t j = start, k = 0; j < o_.prefixes && k < n; ++j) {
                if (is_v6(j) != v6) continue;
                (r < 55 ? s.announced : s.withdrawn).push_back(sample_prefix(j));
                ++k;
            }
            if (r < 55) fill_path(s, i, start / kGroup, u + 1);
            send(i, s);
        }
        return records_;
    }

private:
    void emit() {
        sink_(Bytes(rec_.data(), rec_.size()));
        ++records_;
        if ((records_ & 15) == 0) ++ts_;
    }
    void state(std::uint32_t i, std::uint16_t from, std::uint16_t to) {
        encode_bgp4mp_state_change(ts_, peers_[i].key, local_, true, from, to, rec_);
        emit();
    }
    void keepalive(std::uint32_t i) {
        encode_keepalive(msg_);
        encode_bgp4mp_message(ts_, peers_[i].key, local_, true, Bytes(msg_), rec_);
        emit();
    }
    void send(std::uint32_t i, const UpdateSpec& s) {
        encode_update(s, true, msg_);
        encode_bgp4mp_message(ts_, peers_[i].key, local_, true, Bytes(msg_), rec_);
        emit();
    }
    // The path of a group of prefixes: the same for every peer's version 0
    // apart from the first AS, so interning finds shared sets.
    void fill_path(UpdateSpec& s, std::uint32_t peer, std::uint32_t group, std::uint32_t version) {
        Rng h(o_.seed ^ (std::uint64_t{group} << 20) ^ (std::uint64_t{version} << 44) ^ peer * 0x51ull);
        s.as_path.clear();
        s.as_path.push_back(peers_[peer].key.as);
        const std::uint32_t hops = h.below(3);
        for (std::uint32_t k = 0; k < hops; ++k) s.as_path.push_back(kTransits[h.below(std::size(kTransits))]);
        const std::uint32_t origin_as = 131072 + (group * 7919) % 60000;
        const std::uint32_t prepend = h.below(10) < 7 ? 1 : 2 + h.below(3);
        for (std::uint32_t k = 0; k < prepend; ++k) s.as_path.push_back(origin_as);
        const std::uint32_t o = h.below(10);
        s.origin = o < 7 ? 0 : (o < 8 ? 1 : 2);
        if (h.below(4) == 0) s.med = h.below(200);
        s.next_hop_v4 = peers_[peer].next_hop_v4;
        s.next_hop_v6 = peers_[peer].next_hop_v6;
    }
    void announce_table(std::uint32_t peer, std::uint32_t version) {
        for (std::uint32_t g = 0; g * kGroup < o_.prefixes; ++g) {
            for (int fam = 0; fam < 2; ++fam) {
                UpdateSpec s;
                for (std::uint32_t j = g * kGroup; j < std::min(o_.prefixes, (g + 1) * kGroup); ++j)
                    if (is_v6(j) == (fam == 1)) s.announced.push_back(sample_prefix(j));
                if (s.announced.empty()) continue;
                fill_path(s, peer, g, version);
                send(peer, s);
            }
        }
    }

    SampleOptions o_;
    const RecordSink& sink_;
    Rng rng_;
    PeerKey local_;
    std::vector<SamplePeer> peers_;
    std::vector<std::uint8_t> msg_, rec_;
    std::uint32_t ts_ = 1700000000;
    std::uint64_t records_ = 0;
};

}  // namespace

std::uint64_t generate_sample(const SampleOptions& o, const RecordSink& sink) { return Generator(o, sink).run(); }

std::vector<std::uint8_t> sample_stream(const SampleOptions& o) {
    std::vector<std::uint8_t> out;
    generate_sample(o, [&](Bytes r) { out.insert(out.end(), r.begin(), r.end()); });
    return out;
}

bool write_sample_file(const std::string& path, const SampleOptions& o, std::string& why, std::uint64_t* records) {
    const bool gz = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
    std::vector<std::uint8_t> buf;
    bool ok = true;
    std::uint64_t n = 0;
    if (gz) {
        gzFile f = gzopen(path.c_str(), "wb6");
        if (!f) {
            why = std::strerror(errno);
            return false;
        }
        auto flush = [&] {
            if (!buf.empty() && gzwrite(f, buf.data(), static_cast<unsigned>(buf.size())) != static_cast<int>(buf.size()))
                ok = false;
            buf.clear();
        };
        n = generate_sample(o, [&](Bytes r) {
            buf.insert(buf.end(), r.begin(), r.end());
            if (buf.size() >= (1u << 20)) flush();
        });
        flush();
        if (gzclose(f) != Z_OK) ok = false;
    } else {
        std::FILE* f = std::fopen(path.c_str(), "wb");
        if (!f) {
            why = std::strerror(errno);
            return false;
        }
        auto flush = [&] {
            if (!buf.empty() && std::fwrite(buf.data(), 1, buf.size(), f) != buf.size()) ok = false;
            buf.clear();
        };
        n = generate_sample(o, [&](Bytes r) {
            buf.insert(buf.end(), r.begin(), r.end());
            if (buf.size() >= (1u << 20)) flush();
        });
        flush();
        if (std::fclose(f) != 0) ok = false;
    }
    if (!ok) why = "write failed";
    if (records) *records = n;
    return ok;
}

}  // namespace mempool::bgp
