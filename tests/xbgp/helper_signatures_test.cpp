// helper_signatures_test.cpp: the xBGP helper table (src/plugins/xbgp/
// helper_signatures.hpp) covers every helper our xBGP API headers declare,
// and every row is one the verifier can honour: sized kinds have their size,
// rt buffers a size_rt argument, heap returns a size.
#include "xbgp/helper_signatures.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace {

using mempool::detail::xbgp_helper;
using mempool::detail::xbgp_helpers;
using mempool::vm::ArgKind;
using mempool::vm::RetKind;

// The names declared `extern` in one of our API headers.
std::set<std::string> externs_in(const std::string& header) {
    std::ifstream in(std::string(MEMPOOL_XBGP_API_DIR) + "/" + header);
    EXPECT_TRUE(in) << header;
    std::stringstream text;
    text << in.rdbuf();
    const std::string s = text.str();
    std::set<std::string> names;
    const std::regex decl(R"(^extern[^;(]*?\b([A-Za-z_][A-Za-z0-9_]*)\s*\()", std::regex::ECMAScript | std::regex::multiline);
    for (auto it = std::sregex_iterator(s.begin(), s.end(), decl); it != std::sregex_iterator(); ++it)
        names.insert((*it)[1].str());
    return names;
}

TEST(XbgpHelperSignatures, EveryDeclaredHelperHasARow) {
    std::set<std::string> declared = externs_in("xbgp_plugin_api.h");
    const std::set<std::string> common = externs_in("xbgp_common_vm.h");
    declared.insert(common.begin(), common.end());
    EXPECT_GT(declared.size(), 50u);
    for (const std::string& name : declared) EXPECT_NE(xbgp_helper(name), nullptr) << name;
}

TEST(XbgpHelperSignatures, TheCollectionsHelpersHaveRows) {
    // The 45 helpers the public collection calls (with xBGP's own headers)
    // and bcmp, which clang emits for memcmp() == 0.
    for (const char* name :
         {"next", "ebpf_print_intern", "get_src_peer_info", "get_attr_from_code", "ctx_malloc", "write_to_buffer",
          "get_arg", "ebpf_ntohl", "set_attr", "get_peer_info", "ebpf_htonl", "get_attr", "ctx_shmnew", "ctx_shmget",
          "ebpf_memcpy", "super_log", "ebpf_htons", "add_attr", "get_extra_info_value", "get_extra_info_lst_idx",
          "get_extra_info", "ebpf_inet_ntop", "reschedule_plugin", "next_rib_route", "new_rib_iterator",
          "rib_iterator_clean", "rib_has_route", "memcmp", "get_realtime", "get_time", "get_attr_from_code_by_route",
          "set_attr_to_route", "ebpf_sqrt", "ebpf_ntohll", "ebpf_htonll", "ebpf_bvsnprintf", "ctx_free", "ctx_calloc",
          "schedule_bgp_message", "get_vrf", "get_route_info", "get_prefix", "get_nexthop", "get_extra_info_dict",
          "get_bgp_route", "ebpf_memcmp", "bcmp"})
        EXPECT_NE(xbgp_helper(name), nullptr) << name;
}

// xbgp_helper_entry(name) probes a table hashed at compile time: every row is
// found as itself, and a name that is not a row is not found, even one that
// differs from a row only in bytes the hash does not read.
TEST(XbgpHelperSignatures, LookupByNameFindsEachRowAndNothingElse) {
    for (const auto& h : xbgp_helpers()) {
        EXPECT_EQ(xbgp_helper(h.name), &h) << h.name;
        std::string other(h.name);
        other[1] = other[1] == 'x' ? 'y' : 'x';
        EXPECT_EQ(xbgp_helper(other), nullptr) << other;
        EXPECT_EQ(xbgp_helper(std::string(h.name) + "_"), nullptr) << h.name;
    }
    EXPECT_EQ(xbgp_helper(""), nullptr);
}

TEST(XbgpHelperSignatures, RowsAreWellFormed) {
    std::set<std::string_view> names;
    std::uint32_t id = 0;
    for (const auto& h : xbgp_helpers()) {
        SCOPED_TRACE(std::string(h.name));
        EXPECT_EQ(h.id, ++id);
        EXPECT_TRUE(names.insert(h.name).second);
        const auto& s = h.signature;
        EXPECT_EQ(s.name, h.name);
        ASSERT_LE(s.arg_count, 5);
        for (unsigned i = 0; i < s.arg_count; ++i) {
            switch (s.args[i]) {
            case ArgKind::mem_in_rt:
            case ArgKind::mem_out_rt: {
                const int k = s.size_arg[i] < 0 ? static_cast<int>(i) + 1 : s.size_arg[i];
                ASSERT_LT(k, s.arg_count);
                EXPECT_EQ(s.args[static_cast<unsigned>(k)], ArgKind::size_rt);
                break;
            }
            case ArgKind::in_fixed:
            case ArgKind::in_fixed_or_null:
            case ArgKind::out_fixed:
            case ArgKind::obj_in:
            case ArgKind::obj_out:
            case ArgKind::ptr_struct_in: EXPECT_GT(s.arg_size[i], 0u); break;
            case ArgKind::mem_in:
            case ArgKind::mem_out:
            case ArgKind::mem_fixed:
            case ArgKind::size: ADD_FAILURE() << "a kind of the legacy helpers"; break;
            default: break;
            }
        }
        if (s.ret == RetKind::heap_or_null) {
            if (s.ret_size_arg >= 0) {
                EXPECT_LT(s.ret_size_arg, s.arg_count);
            } else {
                EXPECT_GT(s.ret_size, 0u);
            }
        }
        if (s.ret == RetKind::first_arg) {
            EXPECT_GE(s.arg_count, 1);
        }
    }
}

}  // namespace
