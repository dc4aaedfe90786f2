// test_support.hpp: paths of the test plugins and small helpers for the
// runtime's tests. Every runtime test runs twice: JIT and interpreter.
#pragma once

#include <mempool/pool.hpp>
#include <mempool/runtime.hpp>

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace mempool::test {

inline std::string probes(const char* file) { return std::string(MEMPOOL_TEST_PROBES_DIR) + "/" + file; }
inline std::string bad(const char* file) { return std::string(MEMPOOL_TEST_BAD_DIR) + "/" + file; }
inline std::string shipped(const char* file) { return std::string(MEMPOOL_PLUGINS_DIR) + "/" + file; }
inline std::string source(const char* file) { return std::string(MEMPOOL_TEST_SOURCE_DIR) + "/" + file; }

inline RuntimeOptions options_for(bool jit) {
    RuntimeOptions o;
    o.jit = jit;
    return o;
}

inline std::string mode_name(const ::testing::TestParamInfo<bool>& info) {
    return info.param ? "jit" : "interpreter";
}

// Loads `section` of `file` and attaches it alone at a point of the same name.
inline PointId attach_probe(Runtime& rt, const std::string& file, const std::string& section) {
    LoadResult r = rt.load(file, section);
    EXPECT_TRUE(r) << r.error().to_string();
    if (!r) return {};
    EXPECT_EQ(r.value()->jitted(), rt.options().jit) << section;
    PointId p = rt.point(section);
    EXPECT_TRUE(rt.attach(p, r.value()).ok());
    return p;
}

// A view of the characters (string literals have static storage, so an Arg
// made from one stays valid).
inline std::span<const std::byte> as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

inline std::string to_string(std::span<const std::byte> b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace mempool::test
