// libxbgp's Memory Pool API (mempool/xbgp_mempool.h) over mempool's C API:
// add_mempool chooses between a list append and a reference, get_mempool_data
// reads whichever kind the key holds, and jhash_mempool walks the pool with
// the C++ API, which, unlike the C iterator, shows each entry's key and
// length. Nothing here touches the pool's internals.
#include "mempool/xbgp_mempool.h"

#include <climits>
#include <cstring>

#include "mempool/pool.hpp"

namespace {

// ---- Bob Jenkins' lookup3 hash, in the Linux kernel's jhash() form ----------
// Three 32-bit lanes take 12 bytes at a time (read in the machine's byte
// order), then the 0 to 12 bytes left are added byte by byte, the first byte
// lowest, before a final mix; a key of length 0 returns the seeded state.

constexpr std::uint32_t kJhashInit = 0xdeadbeef;

constexpr std::uint32_t rotl(std::uint32_t x, unsigned r) noexcept { return (x << r) | (x >> (32 - r)); }

struct Lanes {
    std::uint32_t a, b, c;

    void mix() noexcept {
        a -= c; a ^= rotl(c, 4);  c += b;
        b -= a; b ^= rotl(a, 6);  a += c;
        c -= b; c ^= rotl(b, 8);  b += a;
        a -= c; a ^= rotl(c, 16); c += b;
        b -= a; b ^= rotl(a, 19); a += c;
        c -= b; c ^= rotl(b, 4);  b += a;
    }
    void final_mix() noexcept {
        c ^= b; c -= rotl(b, 14);
        a ^= c; a -= rotl(c, 11);
        b ^= a; b -= rotl(a, 25);
        c ^= b; c -= rotl(b, 16);
        a ^= c; a -= rotl(c, 4);
        b ^= a; b -= rotl(a, 14);
        c ^= b; c -= rotl(b, 24);
    }
};

std::uint32_t load32(const unsigned char* p) noexcept {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

std::uint32_t jhash(const void* key, std::size_t length, std::uint32_t seed) noexcept {
    const auto* k = static_cast<const unsigned char*>(key);
    const std::uint32_t start = kJhashInit + static_cast<std::uint32_t>(length) + seed;
    Lanes s{start, start, start};
    while (length > 12) {
        s.a += load32(k);
        s.b += load32(k + 4);
        s.c += load32(k + 8);
        s.mix();
        length -= 12;
        k += 12;
    }
    if (length == 0) return s.c;
    // The tail: byte i goes to lane i / 4 at bit 8 * (i % 4).
    std::uint32_t* lane[3] = {&s.a, &s.b, &s.c};
    for (std::size_t i = 0; i < length; ++i) *lane[i / 4] += std::uint32_t{k[i]} << (8 * (i % 4));
    s.final_mix();
    return s.c;
}

// The hash of one entry: its data chained, seeded with its key.
std::uint32_t entry_hash(const mempool::EntryView& e) noexcept {
    switch (e.kind) {
        case mempool::Kind::value:
            return jhash(e.bytes.data(), e.bytes.size(), e.key);
        case mempool::Kind::reference:
            return jhash(&e.reference, sizeof e.reference, e.key);
        case mempool::Kind::list: {
            std::uint32_t h = e.key;
            for (std::span<std::byte> element : e.list) h = jhash(element.data(), element.size(), h);
            return h;
        }
    }
    return 0;
}

}  // namespace

extern "C" {

int add_mempool(mem_pool* mp, uint32_t type, void (*cleanup)(void*), uint32_t length, void* val,
                int raw) noexcept {
    if (raw == 0) return add_lst_mempool(mp, type, cleanup, length, val);
    if (length != sizeof(std::uintptr_t)) return -1;
    return add_raw_ptr_mempool(mp, type, cleanup, val);
}

int get_mempool_data(mem_pool* mp, uint32_t type, mempool_data* data) noexcept {
    if (mp == nullptr || data == nullptr) return -1;
    void* datum = get_mempool_ptr(mp, type);      // a value or a reference
    std::uint32_t length = get_mempool_len(mp, type);  // 0 for a reference
    if (datum != nullptr) {
        if (length == 0) length = sizeof(std::uintptr_t);
    } else {
        datum = get_lst_mempool_elem(mp, type, 0);  // NULL if missing or empty
        if (datum == nullptr) return -1;
    }
    if (length > INT_MAX) return -1;
    data->length = static_cast<int>(length);
    data->data = datum;
    return 0;
}

uint32_t jhash_mempool(mem_pool* mp) noexcept {
    if (mp == nullptr) return 0;
    // A non-owning C++ view of the caller's pool: adopted for the walk and
    // released before returning, so the caller keeps it.
    mempool::Pool view = mempool::Pool::adopt(mp);
    std::uint32_t sum = 0;
    for (const mempool::EntryView& e : view) sum += entry_hash(e);
    (void)view.release();
    return sum;
}

int mempool_hasnext(mempool_iterator* it) noexcept { return hasnext_mempool_iterator(it); }

}  // extern "C"
