// RIB entries' attribute sets found by their field's bytes (entry_set_cache.hpp):
// the cache's references, and replays that use it against replays that
// decode every entry (a replay with hooks never uses it).
#include <gtest/gtest.h>

#include <map>
#include <tuple>

#include "entry_set_cache.hpp"
#include "mrt_writer.hpp"
#include "test_util.hpp"

namespace mempool::bgp::test {
namespace {

std::size_t slot_of(Bytes field, std::uint32_t context) {
    return (EntrySetCache::hash(field, context) >> 32) & (EntrySetCache::kSlots - 1);
}

TEST(EntrySetCache, HoldsAReferenceOnEverySetItNames) {
    AttrStore store;
    const std::vector<std::uint8_t> canonical{1, 2, 3}, field{0x40, 1, 1, 0};
    const AttrId id = store.intern(Bytes(canonical), 0, 1);
    EntrySetCache cache;
    AttrId found = 0;
    EXPECT_FALSE(cache.find(Bytes(field), 0, EntrySetCache::hash(Bytes(field), 0), found));
    cache.put(Bytes(field), 0, EntrySetCache::hash(Bytes(field), 0), id, store);
    EXPECT_EQ(store[id].refs, 2u);
    ASSERT_TRUE(cache.find(Bytes(field), 0, EntrySetCache::hash(Bytes(field), 0), found));
    EXPECT_EQ(found, id);
    EXPECT_EQ(store[id].refs, 2u);  // find takes none
    // The same bytes in another context are another key.
    EXPECT_FALSE(cache.find(Bytes(field), 4, EntrySetCache::hash(Bytes(field), 4), found));
    // Putting the same field again keeps one reference, not two.
    cache.put(Bytes(field), 0, EntrySetCache::hash(Bytes(field), 0), id, store);
    EXPECT_EQ(store[id].refs, 2u);
    cache.clear(store);
    EXPECT_EQ(store[id].refs, 1u);
    EXPECT_FALSE(cache.find(Bytes(field), 0, EntrySetCache::hash(Bytes(field), 0), found));
    store.unref(id);
    EXPECT_EQ(store.live(), 0u);
}

TEST(EntrySetCache, AFieldThatTakesASlotGivesBackTheReferenceOfTheOneThere) {
    AttrStore store;
    const std::vector<std::uint8_t> c1{1}, c2{2};
    const AttrId a = store.intern(Bytes(c1), 0, 1);
    const AttrId b = store.intern(Bytes(c2), 0, 1);
    // Two fields of one slot.
    std::vector<std::uint8_t> first{0x40, 1, 1, 0}, second = first;
    for (std::uint32_t n = 0;; ++n) {
        second.assign({0x40, 1, 1, static_cast<std::uint8_t>(n), static_cast<std::uint8_t>(n >> 8),
                       static_cast<std::uint8_t>(n >> 16)});
        if (slot_of(Bytes(second), 0) == slot_of(Bytes(first), 0)) break;
    }
    EntrySetCache cache;
    cache.put(Bytes(first), 0, EntrySetCache::hash(Bytes(first), 0), a, store);
    cache.put(Bytes(second), 0, EntrySetCache::hash(Bytes(second), 0), b, store);
    EXPECT_EQ(store[a].refs, 1u);
    EXPECT_EQ(store[b].refs, 2u);
    AttrId found = 0;
    EXPECT_FALSE(cache.find(Bytes(first), 0, EntrySetCache::hash(Bytes(first), 0), found));
    ASSERT_TRUE(cache.find(Bytes(second), 0, EntrySetCache::hash(Bytes(second), 0), found));
    EXPECT_EQ(found, b);
    cache.clear(store);
    EXPECT_EQ(store[b].refs, 1u);
}

TEST(EntrySetCache, EmptyAndLongFieldsAreNotCached) {
    AttrStore store;
    const std::vector<std::uint8_t> canonical{1};
    const AttrId id = store.intern(Bytes(canonical), 0, 1);
    const std::vector<std::uint8_t> empty, longer(EntrySetCache::kMaxField + 1, 7);
    EntrySetCache cache;
    cache.put(Bytes(empty), 0, EntrySetCache::hash(Bytes(empty), 0), id, store);
    cache.put(Bytes(longer), 0, EntrySetCache::hash(Bytes(longer), 0), id, store);
    EXPECT_EQ(store[id].refs, 1u);
    AttrId found = 0;
    EXPECT_FALSE(cache.find(Bytes(empty), 0, EntrySetCache::hash(Bytes(empty), 0), found));
    EXPECT_FALSE(cache.find(Bytes(longer), 0, EntrySetCache::hash(Bytes(longer), 0), found));
}

// What a replay leaves in its RIB: every route's key and its set's bytes.
using RouteKey = std::tuple<std::string, std::uint32_t, std::uint32_t>;  // prefix, peer, path id
std::map<RouteKey, std::vector<std::uint8_t>> routes_of(const Replay& r) {
    std::map<RouteKey, std::vector<std::uint8_t>> out;
    const AttrStore& store = const_cast<Replay&>(r).rib().attribute_store();
    for (const auto& pr : const_cast<Replay&>(r).rib().prefixes())
        for (const auto& route : pr.routes) {
            const Bytes key = store[route.path_attributes].key();
            out[{to_string(pr.prefix), route.peer, route.path_id}] = std::vector<std::uint8_t>(key.begin(), key.end());
        }
    return out;
}

// A replay with no hooks takes RIB entries' sets from the cache; one with
// hooks (that do nothing) decodes every entry. Same report, same RIB.
void expect_cache_changes_nothing(const std::string& name, const std::vector<std::uint8_t>* bytes) {
    SCOPED_TRACE(name);
    InsertionPoints idle;
    ReplayOptions with_hooks;
    with_hooks.hooks = &idle;
    Replay cached, decoded(with_hooks);
    for (Replay* r : {&cached, &decoded}) {
        if (bytes)
            r->replay_source(memory_byte_source(bytes->data(), bytes->size()), name);
        else
            ASSERT_TRUE(r->replay_file((mrt_data_dir() / name).string()));
    }
    const nlohmann::json a = to_json(cached.finish()), b = to_json(decoded.finish());
    EXPECT_EQ(a, b);
    EXPECT_EQ(routes_of(cached), routes_of(decoded));
}

TEST(EntrySetCache, RibDumpsReplayTheSameWithAndWithoutIt) {
    // TABLE_DUMP (2-byte AS, 8-byte AGGREGATORs narrowed first), and
    // TABLE_DUMP_V2 with and without add-path, IPv4 and IPv6.
    for (const char* name : {"bview.20020722.2337.gz", "bview.ipv4_unicast_add_path.gz",
                             "bview.ipv6_unicast_add_path.gz", "bview.64k_stream_overflow.gz"})
        expect_cache_changes_nothing(name, nullptr);
}

// Hooks that read no decoded route but filter every route out: a rejected
// entry's set loses its last reference, and the cache must not keep its id.
class RejectEverything final : public InsertionPoints {
public:
    [[nodiscard]] Uses uses() const override { return {.filters_routes = true, .reads_decoded_routes = false}; }
    [[nodiscard]] bool accept_route(const RouteEvent&) override { return false; }
};

TEST(EntrySetCache, ASetFreedByAnInboundFilterIsNotKept) {
    RejectEverything hooks;
    ReplayOptions o;
    o.hooks = &hooks;
    Replay r(o);
    ASSERT_TRUE(r.replay_file((mrt_data_dir() / "bview.20020722.2337.gz").string()));
    const ReplayReport rep = r.finish();
    ASSERT_TRUE(rep.rib.has_value());
    EXPECT_EQ(rep.rib->routes, 0u);
    EXPECT_EQ(rep.rib->attribute_sets, 0u);
    EXPECT_EQ(r.rib().attribute_store().live(), 0u);
}

// A TABLE_DUMP entry with this attribute field.
void add_entry(std::vector<std::uint8_t>& s, const std::string& prefix, const std::vector<std::uint8_t>& attrs) {
    const Prefix p = parse_prefix(prefix);
    const IpAddress peer = parse_ip("192.0.2.1");
    ByteWriter body;
    body.u16(0);
    body.u16(0);
    body.bytes(Bytes(p.addr.data(), 4));
    body.u8(p.len);
    body.u8(1);
    body.u32(1700000000);
    body.ip(peer);
    body.u16(64500);
    body.u16(static_cast<std::uint32_t>(attrs.size()));
    body.bytes(Bytes(attrs));
    std::vector<std::uint8_t> rec;
    encode_mrt(1700000000, 12, 1, Bytes(body.buf), rec);
    s.insert(s.end(), rec.begin(), rec.end());
}

// Fields that decode with a report are never taken from the cache: each
// entry carrying one is reported, and one treated as withdrawn stays out.
TEST(EntrySetCache, EveryEntryOfAFaultyFieldIsReported) {
    // ORIGIN IGP, AS_PATH 64500 3356, NEXT_HOP 192.0.2.1.
    const std::vector<std::uint8_t> good{0x40, 1, 1, 0, 0x40, 2, 6, 2, 2, 0xfb, 0xf4, 0x0d, 0x1c,
                                         0x40, 3, 4, 192, 0, 2, 1};
    std::vector<std::uint8_t> bad_origin = good;  // ORIGIN 7: treat-as-withdraw (RFC 7606 §7.1)
    bad_origin[3] = 7;
    std::vector<std::uint8_t> bad_med = good;  // MULTI_EXIT_DISC of 3 bytes: treat-as-withdraw (§7.4)
    for (const std::uint8_t b : {0x80, 4, 3, 0, 0, 1}) bad_med.push_back(b);
    std::vector<std::uint8_t> s;
    add_entry(s, "10.0.0.0/8", good);
    add_entry(s, "10.1.0.0/16", bad_origin);
    add_entry(s, "10.2.0.0/16", good);
    add_entry(s, "10.3.0.0/16", bad_origin);
    add_entry(s, "10.4.0.0/16", bad_med);
    add_entry(s, "10.5.0.0/16", good);
    add_entry(s, "10.6.0.0/16", bad_med);
    expect_cache_changes_nothing("mem", &s);
    const ReplayReport rep = replay_bytes(s);
    EXPECT_EQ(rep.error_count, 4u);
    ASSERT_TRUE(rep.rib.has_value());
    EXPECT_EQ(rep.rib->routes, 3u);
    EXPECT_EQ(rep.rib->attribute_sets, 1u);
}

}  // namespace
}  // namespace mempool::bgp::test
