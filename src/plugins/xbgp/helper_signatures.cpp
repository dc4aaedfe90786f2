// helper_signatures.cpp: the xBGP helper table (see the header). Each row
// is written from the helper's C declaration in include/mempool/
// xbgp_compliant_api/; the comment after a row says how the C arguments map
// to kinds when that is not obvious. Sizes are those of the structures in
// xbgp_defs.h / xbgp_common_vm_defs.h (64-bit layouts, checked by
// tests/xbgp/layout_test.c).
#include "helper_signatures.hpp"

#include <array>
#include <initializer_list>

namespace mempool::detail {
namespace {

using vm::ArgKind;
using vm::RetKind;

constexpr std::uint8_t read_perm = 4, write_perm = 2;

// Structure sizes the signatures use.
constexpr std::uint32_t path_attribute_header = 8;  // code, flags, length; data[] follows
constexpr std::uint32_t ubpf_peer_info_size = 64;
constexpr std::uint32_t ubpf_prefix_size = 26;
constexpr std::uint32_t bgp_route_size = 64;
constexpr std::uint32_t bgp_rte_info_size = 16;
constexpr std::uint32_t ubpf_nexthop_size = 16;
constexpr std::uint32_t vrf_info_header = 16;   // vrf_id, str_len; name[] follows
constexpr std::uint32_t bgp_message_size = 24;  // type, buf_len, buf (a pointer)
constexpr std::uint32_t vargs_size = 16;        // nb_args, args (a pointer to struct vtype[])
constexpr std::uint32_t global_info_size = 16;  // hidden handle, type
constexpr std::uint32_t timespec_size = 16;
constexpr std::uint32_t time_t_size = 8;

// One argument: its kind and, for the sized kinds, its byte count.
struct A {
    ArgKind kind;
    std::uint32_t size = 0;
    std::int8_t size_arg = -1;
};

struct Row {
    std::string_view name;
    std::initializer_list<A> args;
    RetKind ret = RetKind::number;
    std::uint32_t ret_size = 0;
    std::int8_t ret_size_arg = -1;
    std::uint8_t permissions = 0;
    bool bgp = false;
};

constexpr A N{ArgKind::number};
constexpr A Str{ArgKind::str_in};
constexpr A Heap{ArgKind::heap_or_null};
constexpr A In{ArgKind::mem_in_rt};        // size in the next argument
constexpr A Out{ArgKind::mem_out_rt};
constexpr A Len{ArgKind::size_rt};
constexpr A In2{ArgKind::mem_in_rt, 0, 2};   // sized by argument 3 (0-based 2)
constexpr A Out2{ArgKind::mem_out_rt, 0, 2};
constexpr A in_fixed(std::uint32_t n) { return {ArgKind::in_fixed, n}; }
constexpr A in_fixed_or_null(std::uint32_t n) { return {ArgKind::in_fixed_or_null, n}; }
constexpr A out_fixed(std::uint32_t n) { return {ArgKind::out_fixed, n}; }
constexpr A obj_in(std::uint32_t n) { return {ArgKind::obj_in, n}; }
constexpr A obj_out(std::uint32_t n) { return {ArgKind::obj_out, n}; }
constexpr A pointers_in(std::uint32_t n) { return {ArgKind::ptr_struct_in, n}; }

constexpr RetKind H = RetKind::heap_or_null;

// The rows, in id order. Generic helpers first (xbgp_common_vm.h), then the
// BGP ones (xbgp_plugin_api.h).
constexpr Row rows[] = {
    // ---- chaining, logging --------------------------------------------------
    {"next", {}},
    {"ebpf_print_intern", {Str, pointers_in(vargs_size)}},  // format, struct vargs * (LOG_* values, strings by pointer)
    {"super_log", {Str, pointers_in(vargs_size)}},          // log_msg(): a level byte, then the format
    {"set_error", {In, Len}},
    {"send_to_monitor", {In, Len, N}},
    // ---- the heap (extra_mem) and shared memory (shared_mem) --------------------
    {"ctx_malloc", {N}, H, 0, 0},
    {"ctx_calloc", {N, N}, H, 0, 1},   // size: nmemb * size, at least `size` when it succeeds
    {"ctx_realloc", {Heap, N}, H, 0, 1},
    {"ctx_free", {Heap}},
    {"ctx_shmnew", {N, N}, H, 0, 1},   // key, size: a zeroed block of `size` bytes
    {"ctx_shmget", {N}, H, 1},         // key: a block whose size only the host knows (accesses checked at run time)
    {"ctx_shmrm", {N}},
    // ---- arguments, time, memory, numbers, text ------------------------------
    {"get_arg", {N}, H, 1},            // the argument's size depends on its kind: accesses past 1 byte checked at run time
    {"get_time", {out_fixed(timespec_size)}},
    {"get_realtime", {out_fixed(timespec_size)}},
    {"bpf_clock", {}},
    {"ebpf_memcpy", {Out2, In2, Len}, RetKind::first_arg},  // dst, src, length (both sized by arg 3)
    {"ebpf_memcmp", {In2, In2, Len}},
    {"memcmp", {In2, In2, Len}},  // what clang emits for memcmp()
    {"bcmp", {In2, In2, Len}},    // ... and for memcmp() == 0
    {"ebpf_sqrt", {N, N}},
    // buf, size, format, uintptr_t[] (args[0] = count, then the values: numbers
    // only, read within arg_room: the output goes back to the plugin)
    {"ebpf_bvsnprintf", {Out, Len, Str, obj_in(8)}},
    {"ebpf_inet_ntop", {obj_in(4), N, Out, Len}},          // 4 (AF_INET) or 16 (AF_INET6) address bytes
    {"ebpf_inet_pton", {N, Str, Out, Len}},
    {"ebpf_htons", {N}},
    {"ebpf_ntohs", {N}},
    {"ebpf_htonl", {N}},
    {"ebpf_ntohl", {N}},
    {"ebpf_htonll", {N}},
    {"ebpf_ntohll", {N}},
    // ---- extra configuration ---------------------------------------------------
    {"get_extra_info", {Str, out_fixed(global_info_size)}},
    {"get_extra_info_value", {in_fixed(global_info_size), Out, Len}},
    {"get_extra_info_lst_idx", {in_fixed(global_info_size), N, out_fixed(global_info_size)}},
    {"get_extra_info_dict", {in_fixed(global_info_size), Str, out_fixed(global_info_size)}},
    // ---- sockets, jobs, where ----------------------------------------------------
    {"bpf_sockunion_cmp", {obj_in(2), obj_in(2)}},  // the family says how long each sockaddr is
    {"sock_open", {N, N, In, Len}},
    {"sock_write", {N, In, Len}},
    {"sock_read", {N, Out, Len}},
    {"sock_close", {N}},
    {"reschedule_plugin", {in_fixed_or_null(time_t_size)}},
    {"whereami", {}},
    // ---- BGP: attributes of the route being processed --------------------------------
    {"add_attr", {N, N, Len, In2}, RetKind::number, 0, -1, write_perm, true},  // code, flags, length, bytes
    {"set_attr", {obj_in(path_attribute_header)}, RetKind::number, 0, -1, write_perm, true},
    {"set_attr_to_route", {obj_in(path_attribute_header), N}, RetKind::number, 0, -1, write_perm, true},
    {"get_attr", {}, H, path_attribute_header, -1, read_perm, true},
    {"write_to_buffer", {In, Len}, RetKind::number, 0, -1, write_perm, true},
    {"get_attr_from_code", {N}, H, path_attribute_header, -1, read_perm, true},
    {"get_attr_from_code_by_route", {N, N}, H, path_attribute_header, -1, read_perm, true},
    {"announce_nrli", {in_fixed(ubpf_prefix_size)}, RetKind::number, 0, -1, write_perm, true},
    // ---- BGP: peers ----------------------------------------------------------------------
    {"get_peer_info", {out_fixed(4)}, H, ubpf_peer_info_size, -1, read_perm, true},  // int *nb_peers: the count
    {"get_src_peer_info", {}, H, ubpf_peer_info_size, -1, read_perm, true},
    {"set_peer_info", {N, N, In, Len}, RetKind::number, 0, -1, write_perm, true},
    // ---- BGP: prefixes, next hops, routes, RIBs --------------------------------------------
    {"get_prefix", {}, H, ubpf_prefix_size, -1, read_perm, true},
    {"get_nexthop", {in_fixed_or_null(ubpf_prefix_size)}, H, ubpf_nexthop_size, -1, read_perm, true},
    {"get_rib_in_entry", {N, in_fixed(ubpf_prefix_size)}, H, 1, -1, read_perm, true},  // opaque: passed along only
    {"get_rib_out_entry", {N, in_fixed(ubpf_prefix_size), in_fixed(ubpf_peer_info_size)}, H, bgp_route_size, -1,
     read_perm, true},
    {"get_loc_rib_entry", {N, in_fixed(ubpf_prefix_size)}, H, 1, -1, read_perm, true},
    {"get_bgp_route", {N}, H, bgp_route_size, -1, read_perm, true},
    {"new_rib_iterator", {N, N}, RetKind::number, 0, -1, read_perm, true},
    {"next_rib_route", {N}, H, bgp_route_size, -1, read_perm, true},
    {"rib_has_route", {N}, RetKind::number, 0, -1, read_perm, true},
    {"rib_iterator_clean", {N}, RetKind::number, 0, -1, read_perm, true},
    {"remove_route_from_rib", {in_fixed(ubpf_prefix_size), in_fixed(ubpf_peer_info_size)}, RetKind::number, 0, -1,
     write_perm, true},
    {"get_vrf", {obj_out(vrf_info_header)}, RetKind::number, 0, -1, read_perm, true},
    {"schedule_bgp_message", {N, pointers_in(bgp_message_size), Str}, RetKind::number, 0, -1, write_perm, true},
    {"peer_session_reset", {Str}, RetKind::number, 0, -1, write_perm, true},
    {"get_route_info", {}, H, bgp_rte_info_size, -1, read_perm, true},
    {"get_route_sent_to_peer", {in_fixed(ubpf_prefix_size), in_fixed(ubpf_peer_info_size)}, H, bgp_route_size, -1,
     read_perm, true},
};

constexpr std::size_t row_count = sizeof rows / sizeof rows[0];

// A name's slot in by_slot: its length and three of its bytes mixed (the
// names differ there), not every byte. A lookup then compares one name, or
// a few, where a binary search compared about seven, a memcmp call each.
constexpr std::size_t slot_count = 256;
constexpr std::size_t slot_of(std::string_view n) noexcept {
    if (n.empty()) return 0;
    const auto byte = [&n](std::size_t i) { return static_cast<std::size_t>(static_cast<unsigned char>(n[i])); };
    return (n.size() * 97 + byte(0) * 31 + byte(n.size() / 2) * 7 + byte(n.size() - 1)) % slot_count;
}

// by_slot[s]: 1 + the row whose name is in slot s, or 0 (none); a name whose
// slot is taken goes to the next free one. Filled by the compiler, so that
// looking a name up costs no table built at run time.
constexpr auto by_slot = [] {
    std::array<std::uint8_t, slot_count> slots{};
    for (std::size_t i = 0; i < row_count; ++i) {
        std::size_t s = slot_of(rows[i].name);
        while (slots[s] != 0) s = (s + 1) % slot_count;
        slots[s] = static_cast<std::uint8_t>(i + 1);
    }
    return slots;
}();
static_assert(row_count < 255 && row_count < slot_count, "by_slot holds 1 + a row index in a byte, and a free slot");

XbgpHelperEntry entry_of(std::size_t i) noexcept {
    const Row& r = rows[i];
    return {static_cast<std::uint32_t>(i + 1), r.name, static_cast<std::uint8_t>(r.args.size()), r.permissions, r.bgp};
}

std::array<XbgpHelper, row_count> build() {
    std::array<XbgpHelper, row_count> table{};
    for (std::size_t i = 0; i < row_count; ++i) {
        const XbgpHelperEntry e = entry_of(i);
        XbgpHelper& h = table[i];
        h.id = e.id;
        h.name = e.name;
        h.permissions = e.permissions;
        h.bgp = e.bgp;
        h.signature = xbgp_signature(e.id);
    }
    return table;
}

}  // namespace

std::optional<XbgpHelperEntry> xbgp_helper_entry(std::string_view name) noexcept {
    for (std::size_t s = slot_of(name); by_slot[s] != 0; s = (s + 1) % slot_count)
        if (rows[by_slot[s] - 1].name == name) return entry_of(by_slot[s] - 1);
    return std::nullopt;
}

std::optional<XbgpHelperEntry> xbgp_helper_entry(std::uint32_t id) noexcept {
    if (id == 0 || id > row_count) return std::nullopt;
    return entry_of(id - 1);
}

vm::HelperSignature xbgp_signature(std::uint32_t id) {
    vm::HelperSignature s;
    if (id == 0 || id > row_count) return s;
    const Row& r = rows[id - 1];
    s.name = r.name;
    s.arg_count = static_cast<std::uint8_t>(r.args.size());
    unsigned k = 0;
    for (const A& a : r.args) {
        s.args[k] = a.kind;
        s.arg_size[k] = a.size;
        s.size_arg[k] = a.size_arg;
        ++k;
    }
    s.ret = r.ret;
    s.ret_size = r.ret_size;
    s.ret_size_arg = r.ret_size_arg;
    return s;
}

std::span<const XbgpHelper> xbgp_helpers() noexcept {
    // Built once, on first use (thread-safe static); names are literals.
    static const std::array<XbgpHelper, row_count> table = build();
    return table;
}

const XbgpHelper* xbgp_helper(std::string_view name) noexcept {
    const std::optional<XbgpHelperEntry> e = xbgp_helper_entry(name);
    return e ? &xbgp_helpers()[e->id - 1] : nullptr;
}

}  // namespace mempool::detail
