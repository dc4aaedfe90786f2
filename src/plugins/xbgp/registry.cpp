// xbgp/registry.cpp: the generic xBGP helpers as HelperSpecs (their
// implementations, from this folder, paired with the xBGP helper table's
// signatures and permissions), and xbgp_helper_spec() for hosts that
// implement the BGP ones.
//
//   mempool::RuntimeOptions o;
//   o.xbgp_helpers = true;            // registers every helper below
//   mempool::Runtime rt(o);
#include <mempool/runtime.hpp>

#include "../builtin_helpers.hpp"
#include "helper_signatures.hpp"
#include "xbgp_helpers.hpp"

#include <new>
#include <vector>

namespace mempool {

std::optional<HelperSpec> xbgp_helper_spec(std::string_view name, HelperFn fn) noexcept {
    const std::optional<detail::XbgpHelperEntry> h = detail::xbgp_helper_entry(name);
    if (!h || fn == nullptr) return std::nullopt;
    try {
        HelperSpec spec;
        spec.name = h->name;
        spec.fn = fn;
        spec.arg_count = h->arg_count;
        spec.permissions = h->permissions;
        spec.xbgp_id = h->id;
        return spec;
    } catch (const std::bad_alloc&) {
        return std::nullopt;
    }
}

namespace detail {

namespace xbgp {

u64 heap_alloc(u64 size) noexcept {
    return heap_helper_table()[0].fn(size, 0, 0, 0, 0);  // ctx_malloc
}

}  // namespace xbgp

std::span<const XbgpImplementation> xbgp_implementations() noexcept {
    namespace x = xbgp;
    static constexpr XbgpImplementation table[] = {
        {"next", &x::next},
        {"get_arg", &x::get_arg},
        {"ctx_shmnew", &x::ctx_shmnew},
        {"ctx_shmget", &x::ctx_shmget},
        {"ctx_shmrm", &x::ctx_shmrm},
        {"get_extra_info", &x::get_extra_info},
        {"get_extra_info_dict", &x::get_extra_info_dict},
        {"get_extra_info_lst_idx", &x::get_extra_info_lst_idx},
        {"get_extra_info_value", &x::get_extra_info_value},
        {"ebpf_print_intern", &x::ebpf_print_intern},
        {"ebpf_bvsnprintf", &x::ebpf_bvsnprintf},
        {"super_log", &x::super_log},
        {"ebpf_memcpy", &x::ebpf_memcpy},
        {"ebpf_memcmp", &x::ebpf_memcmp},
        {"memcmp", &x::ebpf_memcmp},
        {"bcmp", &x::bcmp},
        {"ebpf_sqrt", &x::ebpf_sqrt},
        {"ebpf_inet_ntop", &x::ebpf_inet_ntop},
        {"ebpf_inet_pton", &x::ebpf_inet_pton},
        {"ebpf_htons", &x::swap16},
        {"ebpf_ntohs", &x::swap16},
        {"ebpf_htonl", &x::swap32},
        {"ebpf_ntohl", &x::swap32},
        {"ebpf_htonll", &x::swap64},
        {"ebpf_ntohll", &x::swap64},
        {"get_time", &x::get_time},
        {"get_realtime", &x::get_realtime},
        {"bpf_clock", &x::bpf_clock},
    };
    return table;
}

void append_xbgp_specs(std::vector<HelperSpec>& to) {
    for (const XbgpImplementation& i : xbgp_implementations())
        if (std::optional<HelperSpec> spec = xbgp_helper_spec(i.name, i.fn)) to.push_back(std::move(*spec));
}

}  // namespace detail

std::span<const HelperSpec> xbgp_helpers() noexcept {
    static const std::vector<HelperSpec> table = [] {
        std::vector<HelperSpec> specs;
        detail::append_xbgp_specs(specs);
        return specs;
    }();
    return table;
}

}  // namespace mempool
