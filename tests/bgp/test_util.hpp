// test_util.hpp: where the MRT files are, and small replay helpers.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "replay.hpp"

namespace mempool::bgp::test {

// MEMPOOL_MRT_DATA from the environment, else the folder CMake was given.
inline std::filesystem::path mrt_data_dir() {
    if (const char* env = std::getenv("MEMPOOL_MRT_DATA"); env && *env) return env;
    return MEMPOOL_MRT_DATA_DIR;
}

inline std::filesystem::path expected_dir() { return MEMPOOL_BGP_EXPECTED_DIR; }

// Replays bytes held in memory as one stream called "mem".
inline ReplayReport replay_bytes(const std::vector<std::uint8_t>& bytes, ReplayOptions opts = {}) {
    Replay r(std::move(opts));
    r.replay_source(memory_byte_source(bytes.data(), bytes.size()), "mem");
    return r.finish();
}

}  // namespace mempool::bgp::test
