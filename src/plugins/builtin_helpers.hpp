// builtin_helpers.hpp: the runtime's own helpers (pool, heap, generic xBGP)
// as constant tables, from which a Runtime registers them.
//
// Constants rather than tables of HelperSpec built on first use: a runtime
// starting up copied each built table into its own, and building them
// (their strings, the guards of their statics, pages touched nowhere else)
// cost more than the copy, on every process start (a tenth of what the
// shipped manifest added to a small replay).
//
//   detail::append_specs(helpers, detail::pool_helper_table());
#pragma once

#include <mempool/runtime.hpp>

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace mempool::detail {

// A HelperSpec without its string: constant-initialised.
struct BuiltinHelper {
    std::string_view name;
    HelperFn fn = nullptr;
    std::uint8_t arg_count = 0;
    std::array<HelperArg, 5> args{};
    HelperRet ret = HelperRet::number;
    std::uint32_t ret_size = 0;
    std::int8_t ret_size_arg = -1;

    [[nodiscard]] HelperSpec spec() const {
        HelperSpec s;
        s.name = std::string(name);
        s.fn = fn;
        s.arg_count = arg_count;
        s.args = args;
        s.ret = ret;
        s.ret_size = ret_size;
        s.ret_size_arg = ret_size_arg;
        return s;
    }
};

// A table's helpers appended to `to` as HelperSpecs, in order.
inline void append_specs(std::vector<HelperSpec>& to, std::span<const BuiltinHelper> table) {
    for (const BuiltinHelper& b : table) to.push_back(b.spec());
}

// A table as HelperSpecs (what pool_helpers() and heap_helpers() show).
[[nodiscard]] inline std::vector<HelperSpec> specs_of(std::span<const BuiltinHelper> table) {
    std::vector<HelperSpec> specs;
    append_specs(specs, table);
    return specs;
}

// A generic xBGP helper's implementation; its signature and permissions
// are the xBGP helper table's entry of that name (xbgp_helper_spec).
struct XbgpImplementation {
    std::string_view name;
    HelperFn fn;
};

[[nodiscard]] std::span<const BuiltinHelper> pool_helper_table() noexcept;          // pool_helpers.cpp
[[nodiscard]] std::span<const BuiltinHelper> heap_helper_table() noexcept;          // heap_helpers.cpp
[[nodiscard]] std::span<const XbgpImplementation> xbgp_implementations() noexcept;  // xbgp/registry.cpp
// The generic xBGP helpers appended to `to`, each with the xBGP table's
// signature and permissions (xbgp_helper_spec), in order.
void append_xbgp_specs(std::vector<HelperSpec>& to);  // xbgp/registry.cpp

}  // namespace mempool::detail
