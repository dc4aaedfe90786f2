// Differential fuzzing of the pool: the input is decoded into a sequence of
// C API calls, and every return value, every read and every cleanup is
// checked against a model with the semantics of docs/semantics.md (a std::map).
//
// Each stored datum of 4 bytes or more carries a unique token in its first 4
// bytes; cleanups log the token, so a cleanup that runs twice, runs for a
// failed call, or never runs is caught. Allocation failures are injected too.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <vector>

#include "mempool/mempool.h"
#include "pool/alloc_failure.hpp"

namespace {

[[noreturn]] void fail(const char* what, std::uint32_t key) {
    std::fprintf(stderr, "pool_fuzz: %s (key %u)\n", what, key);
    std::abort();
}
#define EXPECT(cond, key) \
    do {                  \
        if (!(cond)) fail(#cond, key); \
    } while (0)

std::set<std::uint32_t> g_alive;    // tokens stored with a cleanup, not yet cleaned
std::uint32_t g_next_token = 1;

void cleanup_a(void* p) {
    std::uint32_t token;
    std::memcpy(&token, p, 4);
    if (g_alive.erase(token) != 1) fail("cleanup of a datum not alive (twice, or never stored)", token);
}
void cleanup_b(void* p) { cleanup_a(p); }

enum class Kind { value, reference, list };
struct Datum {
    std::vector<std::uint8_t> bytes;
    bool cleaned;  // has a cleanup
};
struct Model {
    Kind kind;
    std::vector<Datum> data;  // value: 1; list: elements; reference: none
    void* reference = nullptr;
    void (*cleanup)(void*) = nullptr;
    std::uint32_t element_size = 0;
};

int g_targets[16];

// Pool operations run and checked, printed at exit (docs/robustness.md
// quotes the totals).
std::uint64_t g_operations = 0;

struct Input {
    const std::uint8_t* p;
    std::size_t n;
    std::uint8_t byte() {
        if (n == 0) return 0;
        --n;
        return *p++;
    }
};

class Harness {
public:
    Harness() : mp_(new_mempool()) {}
    ~Harness() {
        delete_mempool(mp_);
        for (auto& [key, m] : model_) forget(m);
        if (!g_alive.empty()) fail("delete_mempool left cleanups not run", *g_alive.begin());
    }

    void step(Input& in) {
        const std::uint8_t op = in.byte();
        const std::uint8_t key_byte = in.byte();
        // Mostly a few keys, so that kinds clash; sometimes many, for the index.
        const std::uint32_t key = key_byte < 200 ? key_byte % 24 : 1000u + key_byte * 7919u;
        const std::uint8_t arg = in.byte();
        bool inject = (op & 0x80) != 0;
        if (inject) mempool::detail::fail_allocation_after(1 + arg % 3);
        switch (op % 10) {
        case 0: add(key, arg, false); break;
        case 1: add(key, arg, true); break;
        case 2: reference(key, arg); break;
        case 3: append(key, arg); break;
        case 4: remove(key); break;
        case 5: read(key); break;
        case 6: walk(); break;
        case 7: walk_list(key, arg); break;
        case 8: many(key_byte, arg); break;
        default: held_iterator(arg); break;
        }
        mempool::detail::fail_allocation_after(0);
    }

private:
    // Runs `call`; if an injected allocation failure happened, it must have
    // failed and changed nothing; returns whether the call is to be judged
    // normally.
    template <class Call>
    bool run(Call call, int& result) {
        const std::uint64_t before = mempool::detail::allocations_before_failure();
        result = call();
        const bool failed_allocation = before != 0 && mempool::detail::allocations_before_failure() == 0;
        if (failed_allocation) {
            if (result != -1) fail("a call whose allocation failed returned success", 0);
            check_all();
            return false;
        }
        return true;
    }

    Datum make_datum(std::uint32_t length, bool with_cleanup) {
        Datum d{std::vector<std::uint8_t>(length), with_cleanup};
        for (std::uint32_t i = 0; i < length; ++i) d.bytes[i] = static_cast<std::uint8_t>(g_next_token * 13 + i);
        if (length >= 4) std::memcpy(d.bytes.data(), &g_next_token, 4);
        ++g_next_token;
        return d;
    }

    void add(std::uint32_t key, std::uint8_t arg, bool overwrite) {
        const std::uint32_t length = arg % 40;  // 0 is invalid
        const bool with_cleanup = length >= 4 && (arg & 0x40) != 0;
        auto cleanup = with_cleanup ? ((arg & 0x80) ? cleanup_a : cleanup_b) : nullptr;
        Datum d = make_datum(length, with_cleanup);
        int r;
        auto it = model_.find(key);
        if (!run([&] {
                return overwrite ? set_single_mempool(mp_, key, cleanup, length, d.bytes.data())
                                 : add_single_mempool(mp_, key, cleanup, length, d.bytes.data());
            }, r))
            return;
        const bool ok = length != 0 && (it == model_.end() || (overwrite && it->second.kind == Kind::value));
        EXPECT(r == (ok ? 0 : -1), key);
        if (!ok) return;
        if (it != model_.end()) forget_cleaned(it->second);  // the old copy's cleanup has run
        if (with_cleanup) g_alive.insert(token_of(d));
        Model m{Kind::value, {d}, nullptr, cleanup, 0};
        model_[key] = m;
        check(key);
    }

    void reference(std::uint32_t key, std::uint8_t arg) {
        void* target = (arg & 0x80) ? nullptr : &g_targets[arg % 16];
        int r;
        if (!run([&] { return add_raw_ptr_mempool(mp_, key, nullptr, target); }, r)) return;
        const bool ok = target != nullptr && model_.count(key) == 0;
        EXPECT(r == (ok ? 0 : -1), key);
        if (ok) model_[key] = Model{Kind::reference, {}, target, nullptr, 0};
        check(key);
    }

    void append(std::uint32_t key, std::uint8_t arg) {
        const std::uint32_t length = 4 + (arg & 0x3) * 4;
        const bool with_cleanup = (arg & 0x40) != 0;
        auto cleanup = with_cleanup ? ((arg & 0x80) ? cleanup_a : cleanup_b) : nullptr;
        Datum d = make_datum(length, with_cleanup);
        int r;
        auto it = model_.find(key);
        if (!run([&] { return add_lst_mempool(mp_, key, cleanup, length, d.bytes.data()); }, r)) return;
        const bool ok = it == model_.end() || (it->second.kind == Kind::list && it->second.element_size == length &&
                                               it->second.cleanup == cleanup);
        EXPECT(r == (ok ? 0 : -1), key);
        if (!ok) return;
        if (it == model_.end()) it = model_.emplace(key, Model{Kind::list, {}, nullptr, cleanup, length}).first;
        it->second.data.push_back(d);
        if (with_cleanup) g_alive.insert(token_of(d));
        check(key);
    }

    void remove(std::uint32_t key) {
        remove_mempool(mp_, key);
        if (auto it = model_.find(key); it != model_.end()) {
            forget_cleaned(it->second);
            model_.erase(it);
        }
        check(key);
    }

    void read(std::uint32_t key) { check(key); }

    void walk() {
        mempool_iterator* it = new_mempool_iterator(mp_);
        if (it == nullptr) return;  // an injected failure
        std::multiset<std::vector<std::uint8_t>> seen, expected;
        std::size_t references = 0, expected_references = 0;
        while (hasnext_mempool_iterator(it)) {
            void* d = next_mempool_iterator(it);
            EXPECT(d != nullptr, 0);
            if (is_target(d)) {
                ++references;
                continue;
            }
            seen.insert(bytes_at(d));
        }
        EXPECT(next_mempool_iterator(it) == nullptr, 0);
        delete_mempool_iterator(it);
        for (auto& [key, m] : model_) {
            if (m.kind == Kind::reference) ++expected_references;
            for (auto& d : m.data) expected.insert(d.bytes);
        }
        EXPECT(references == expected_references, 0);
        // Values shorter than 4 bytes have no token; compare by their bytes.
        EXPECT(seen.size() == expected.size(), 0);
    }

    // The bytes of a datum the pool returned by pointer; fails unless the
    // pointer is where the pool keeps a datum the model holds.
    std::vector<std::uint8_t> bytes_at(void* p) {
        const std::uint64_t armed = mempool::detail::allocations_before_failure();
        mempool::detail::fail_allocation_after(0);
        std::vector<std::uint8_t> found;
        bool hit = false;
        for (auto& [key, m] : model_) {
            if (m.kind == Kind::value && get_mempool_ptr(mp_, key) == p) {
                found = m.data[0].bytes;
                hit = true;
            }
            if (m.kind != Kind::list || hit) continue;
            lst_mempool_iterator* it = new_lst_iterator_mempool(mp_, key);
            for (std::size_t i = 0; void* e = next_lst_mempool_iterator(it); ++i) {
                if (e == p && i < m.data.size()) {
                    found = m.data[i].bytes;
                    hit = true;
                }
            }
            destroy_lst_mempool_iterator(it);
        }
        mempool::detail::fail_allocation_after(armed);
        if (!hit) fail("iterator returned a pointer the pool does not hold", 0);
        if (std::memcmp(p, found.data(), found.size()) != 0) fail("iterator datum differs from the model", 0);
        return found;
    }

    void walk_list(std::uint32_t key, std::uint8_t arg) {
        lst_mempool_iterator* it = new_lst_iterator_mempool(mp_, key);
        auto found = model_.find(key);
        const bool is_list = found != model_.end() && found->second.kind == Kind::list;
        if (it == nullptr) {
            EXPECT(!is_list || mempool::detail::allocations_before_failure() == 0, key);
            return;
        }
        EXPECT(is_list, key);
        Model& m = found->second;
        std::vector<Datum> kept;
        std::size_t i = 0;
        while (hasnext_lst_mempool_iterator(it)) {
            EXPECT(i < m.data.size(), key);
            void* e = get_lst_mempool_iterator(it);
            EXPECT(std::memcmp(e, m.data[i].bytes.data(), m.element_size) == 0, key);
            if (((arg >> (i % 8)) & 1) != 0) {
                const bool had = m.data[i].cleaned;
                const std::uint32_t token = token_of(m.data[i]);
                if (remove_lst_mempool_iterator(it) == 0) {
                    if (had) EXPECT(g_alive.count(token) == 0, key);
                    ++i;
                    continue;
                }
                EXPECT(mempool::detail::allocations_before_failure() == 0, key);
                mempool::detail::fail_allocation_after(0);
                continue;  // retry the same element
            }
            EXPECT(next_lst_mempool_iterator(it) == e, key);
            kept.push_back(m.data[i]);
            ++i;
        }
        EXPECT(i == m.data.size(), key);
        EXPECT(next_lst_mempool_iterator(it) == nullptr, key);
        destroy_lst_mempool_iterator(it);
        m.data = kept;
        check(key);
    }

    // Many keys at once, to cross into and out of the indexed layout.
    void many(std::uint8_t base, std::uint8_t count) {
        for (std::uint32_t i = 0; i < count; ++i) {
            const std::uint32_t key = 5000u + base * 256u + i;
            ++g_operations;
            if ((count & 1) != 0) {
                remove(key);
            } else {
                std::uint64_t v = key;
                int r;
                auto it = model_.find(key);
                if (!run([&] { return set_single_mempool(mp_, key, nullptr, sizeof v, &v); }, r)) continue;
                EXPECT(r == ((it == model_.end() || it->second.kind == Kind::value) ? 0 : -1), key);
                if (r == 0) {
                    if (it != model_.end()) forget_cleaned(it->second);
                    Datum d{std::vector<std::uint8_t>(8), false};
                    std::memcpy(d.bytes.data(), &v, 8);
                    model_[key] = Model{Kind::value, {d}, nullptr, nullptr, 0};
                }
            }
        }
    }

    // An iterator kept open across later operations: whatever it returns
    // must be live data (ASan catches reads of freed memory).
    void held_iterator(std::uint8_t arg) {
        if (held_ == nullptr) {
            held_ = new_mempool_iterator(mp_);
            return;
        }
        for (int i = 0; i < (arg % 4) + 1; ++i) {
            void* d = next_mempool_iterator(held_);
            if (d == nullptr) break;
            if (!is_target(d)) (void)bytes_at(d);
        }
        if ((arg & 0x80) != 0) {
            delete_mempool_iterator(held_);
            held_ = nullptr;
        }
    }

public:
    void close_held() {
        delete_mempool_iterator(held_);
        held_ = nullptr;
    }

private:
    static std::uint32_t token_of(const Datum& d) {
        std::uint32_t token = 0;
        if (d.bytes.size() >= 4) std::memcpy(&token, d.bytes.data(), 4);
        return token;
    }
    static bool is_target(void* p) {
        return p >= static_cast<void*>(&g_targets[0]) && p < static_cast<void*>(&g_targets[16]);
    }
    // The pool ran the cleanups of `m`: they must no longer be alive.
    static void forget_cleaned(const Model& m) {
        for (const Datum& d : m.data)
            if (d.cleaned && g_alive.count(token_of(d)) != 0) fail("cleanup did not run", token_of(d));
    }
    static void forget(const Model& m) { forget_cleaned(m); }

    void check(std::uint32_t key) {
        auto it = model_.find(key);
        const std::uint64_t u64 = get_mempool_u64(mp_, key);
        void* ptr = get_mempool_ptr(mp_, key);
        if (it == model_.end()) {
            EXPECT(u64 == 0 && ptr == nullptr, key);
            return;
        }
        const Model& m = it->second;
        switch (m.kind) {
        case Kind::value: {
            const auto& b = m.data[0].bytes;
            EXPECT(ptr != nullptr && std::memcmp(ptr, b.data(), b.size()) == 0, key);
            std::uint64_t expect = 0;
            if (b.size() <= 8) std::memcpy(&expect, b.data(), b.size());
            EXPECT(u64 == expect, key);
            break;
        }
        case Kind::reference: EXPECT(ptr == m.reference && u64 == 0, key); break;
        case Kind::list: EXPECT(ptr == nullptr && u64 == 0, key); break;
        }
    }
    void check_all() {
        for (auto& [key, m] : model_) check(key);
        for (std::uint32_t key = 0; key < 24; ++key) check(key);
    }

    mem_pool* mp_;
    std::map<std::uint32_t, Model> model_;
    mempool_iterator* held_ = nullptr;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    std::atexit([] { std::fprintf(stderr, "pool_fuzz: %llu operations checked\n",
                                  static_cast<unsigned long long>(g_operations)); });
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 4096) return 0;  // long inputs add time, not coverage
    {
        Harness h;
        Input in{data, size};
        while (in.n > 0) {
            h.step(in);
            ++g_operations;
        }
        h.close_held();
    }
    g_alive.clear();
    return 0;
}
