// Cleanup functions that record every call, so tests can check that each
// stored datum is cleaned exactly once, with the right pointer, in order.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

namespace mempool_test {

struct CleanupLog {
    std::vector<void*> pointers;          // every pointer a cleanup was called with
    std::vector<std::uint64_t> values;    // the first 8 bytes (or fewer) it pointed to
    void clear() {
        pointers.clear();
        values.clear();
    }
};

inline CleanupLog& cleanup_log() {
    static CleanupLog log;
    return log;
}

// For values and list elements of at least 4 bytes: logs the first 4 bytes.
inline void log_u32(void* p) {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    cleanup_log().pointers.push_back(p);
    cleanup_log().values.push_back(v);
}

// For values of at least 8 bytes.
inline void log_u64(void* p) {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    cleanup_log().pointers.push_back(p);
    cleanup_log().values.push_back(v);
}

// For references: logs only the pointer.
inline void log_pointer(void* p) {
    cleanup_log().pointers.push_back(p);
    cleanup_log().values.push_back(0);
}

// A second function, to tell cleanups apart.
inline void log_u32_other(void* p) { log_u32(p); }

}  // namespace mempool_test
