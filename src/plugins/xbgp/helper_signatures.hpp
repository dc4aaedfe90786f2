// helper_signatures.hpp: every helper of the xBGP plugin API, as the verifier
// must check it. One table, in one place: the runtime's generic xBGP helpers
// (memory, logging, time, extra configuration) and mempool-bgp's BGP helpers
// register their implementations against these entries, and `mempool-plugin
// verify --xbgp` checks objects against the same list, so what is verified is
// what runs.
//
// The table follows include/mempool/xbgp_compliant_api/ (xbgp_plugin_api.h,
// xbgp_common_vm.h): every function declared `extern` there has an entry, plus
// the C library names clang emits for plugins (memcmp, and bcmp for a memcmp
// compared with 0) and xBGP's byte-order helpers (our headers make them
// inline, but objects built against xBGP's own headers call them).
//
//   const detail::XbgpHelper* h = detail::xbgp_helper("get_attr_from_code");
//   spec.name = h->name;                 // and spec.fn = our implementation
//   vm::HelperSignature sig = h->signature;
//   for (const detail::XbgpHelper& x : detail::xbgp_helpers()) names.push_back(x.name);
//
// What an implementation must do beyond its signature (the verifier cannot
// see inside a helper; docs/verifier.md, "xBGP helpers"):
//   - A pointer it returns points into the calling plugin's heap arena (or
//     its shared memory, for ctx_shmnew/ctx_shmget), never into the host.
//   - A pointer it writes INSIDE an object in the plugin's memory
//     (bgp_route.attr and its elements, bgp_route.peer_info,
//     ubpf_peer_info.local_bgp_session) is written as vm::heap_address(offset
//     in the arena), never as a host address: the plugin can read those bytes
//     as a number. The executors translate such numbers back, with a bounds
//     check, when the plugin dereferences them.
//   - An argument of kind heap_or_null may be a real arena pointer or a
//     heap_address() number (a pointer the plugin read from memory): accept
//     both, check both against the arena.
//   - obj_in, obj_out, str_in and ptr_struct_in: the helper reads or writes
//     beyond the arg_size bytes the verifier proved, or follows pointers
//     stored inside, only after checking each range against the run's
//     regions (vm::RunRegions); a heap_address() number found inside is
//     translated first.
//   - get_extra_info* fill struct global_info with a handle the host can look
//     up, not a host address (the plugin can read hidden_ptr as a number).
#pragma once

#include "program.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace mempool::detail {

struct XbgpHelper {
    std::uint32_t id = 0;          // stable number, 1..N in table order (0: none)
    std::string_view name;         // the C name the plugin calls
    vm::HelperSignature signature; // its name is `name`
    std::uint8_t permissions = 0;  // xBGP HELPER_ATTR_* bits the code must hold (read 4, write 2, usr_ptr 1)
    bool bgp = false;              // a BGP helper (mempool-bgp implements it), else a generic one
};

// The whole table, ordered by id.
[[nodiscard]] std::span<const XbgpHelper> xbgp_helpers() noexcept;

// The entry named `name`, or nullptr.
[[nodiscard]] const XbgpHelper* xbgp_helper(std::string_view name) noexcept;

// An entry without its signature, read from the constant rows: what
// registering, checking and loading need, without building the table above
// (68 signatures, a std::string each: 14,000 instructions of a host's
// start-up, for signatures a load then copied one by one anyway).
struct XbgpHelperEntry {
    std::uint32_t id = 0;
    std::string_view name;
    std::uint8_t arg_count = 0;
    std::uint8_t permissions = 0;
    bool bgp = false;
};
// The entry named `name` (a lookup in a table the compiler hashed), or of
// id `id`; nullopt if none.
[[nodiscard]] std::optional<XbgpHelperEntry> xbgp_helper_entry(std::string_view name) noexcept;
[[nodiscard]] std::optional<XbgpHelperEntry> xbgp_helper_entry(std::uint32_t id) noexcept;
// The signature of entry `id`, made from its row (empty if there is none).
[[nodiscard]] vm::HelperSignature xbgp_signature(std::uint32_t id);

}  // namespace mempool::detail
