// xbgp/xbgp_helpers.hpp: the generic helpers of the xBGP plugin API (those
// not about BGP), as the runtime implements them: one concern per file in
// this folder, all with the helper calling convention (five 64-bit
// arguments, a 64-bit result, never throwing). Runtime registers them with
// mempool::xbgp_helpers() (registry.cpp), which pairs each with its
// signature and permission bits.
//
//   std::uint64_t p = detail::xbgp::get_arg(ARG_CODE, 0, 0, 0, 0);  // a heap block, or 0
//
// Pointers they take are the plugin's (the verifier proved the regions its
// signature names; nested pointers are checked here with plugin_bytes());
// pointers they return are into the calling plugin's heap.
#pragma once

#include <mempool/runtime.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace mempool::detail::xbgp {

using u64 = std::uint64_t;

// The most bytes get_arg copies for one argument.
inline constexpr std::uint32_t max_arg_bytes = 1u << 16;

// A block of `size` bytes in the running plugin's heap (ctx_malloc), or 0.
[[nodiscard]] u64 heap_alloc(u64 size) noexcept;

// `len` bytes at `address` if they lie wholly inside memory the running
// plugin may read: its heap arena, its argument struct, its read-only data
// or its stack (what a nested pointer, such as a LOG_STR in a struct vargs,
// may point to); empty otherwise. `writable` excludes read-only data.
// Bytes on the stack may hold spilled pointers: `arg` (0-4), the helper
// argument the address came in, bounds them by the room the executor
// reported for it (RunContext::arg_room: the bytes before any that may hold
// part of a pointer; UINT32_MAX: no bound; 0, or none reported: nothing is
// read from the stack; give `arg` only for an obj_in/obj_out/str_in
// argument, the kinds the executor reports a room for); `no_stack` refuses the
// stack (an address found inside a structure, whose bytes the verifier did
// not look at). A helper that keeps or writes out what it reads (set_attr's
// value, schedule_bgp_message's body) uses one of them.
[[nodiscard]] std::span<std::uint8_t> plugin_bytes(u64 address, u64 len, bool writable, int arg = -1,
                                                   bool no_stack = false) noexcept;
// A NUL-terminated string at `address` inside the plugin's memory, at most
// `max` bytes before the NUL; false if it runs out of the region first.
// `arg` (0-4): the helper argument it came in, whose room the executor
// reported (RunContext::arg_room: for a stack buffer, the bytes before any
// that may hold a pointer) also bounds the search. `no_stack`: the text goes
// back to the plugin (ebpf_bvsnprintf's %s) and the address came unchecked,
// so the stack, the one region that may hold address bytes (spilled
// pointers), is not accepted.
[[nodiscard]] bool plugin_string(u64 address, std::size_t max, std::string_view& out, int arg = -1,
                                 bool no_stack = false) noexcept;

// args.cpp
u64 get_arg(u64 type, u64, u64, u64, u64) noexcept;
// chain.cpp
u64 next(u64, u64, u64, u64, u64) noexcept;
// shared_memory.cpp
u64 ctx_shmnew(u64 key, u64 size, u64, u64, u64) noexcept;
u64 ctx_shmget(u64 key, u64, u64, u64, u64) noexcept;
u64 ctx_shmrm(u64 key, u64, u64, u64, u64) noexcept;
// extra_info.cpp
u64 get_extra_info(u64 key, u64 info, u64, u64, u64) noexcept;
u64 get_extra_info_dict(u64 info, u64 key, u64 value, u64, u64) noexcept;
u64 get_extra_info_lst_idx(u64 info, u64 index, u64 value, u64, u64) noexcept;
u64 get_extra_info_value(u64 info, u64 buf, u64 len, u64, u64) noexcept;
// print.cpp, logging.cpp
u64 ebpf_print_intern(u64 fmt, u64 vargs, u64, u64, u64) noexcept;
u64 ebpf_bvsnprintf(u64 buf, u64 size, u64 fmt, u64 args, u64) noexcept;
u64 super_log(u64 msg, u64 vargs, u64, u64, u64) noexcept;
// libc.cpp: memory, numbers, text, byte order, time
u64 ebpf_memcpy(u64 dst, u64 src, u64 len, u64, u64) noexcept;
u64 ebpf_memcmp(u64 a, u64 b, u64 len, u64, u64) noexcept;
u64 bcmp(u64 a, u64 b, u64 len, u64, u64) noexcept;
u64 ebpf_sqrt(u64 a, u64 precision, u64, u64, u64) noexcept;
u64 ebpf_inet_ntop(u64 addr, u64 af, u64 buf, u64 len, u64) noexcept;
u64 ebpf_inet_pton(u64 af, u64 src, u64 dst, u64 len, u64) noexcept;
u64 swap16(u64 v, u64, u64, u64, u64) noexcept;
u64 swap32(u64 v, u64, u64, u64, u64) noexcept;
u64 swap64(u64 v, u64, u64, u64, u64) noexcept;
u64 get_time(u64 spec, u64, u64, u64, u64) noexcept;
u64 get_realtime(u64 spec, u64, u64, u64, u64) noexcept;
u64 bpf_clock(u64, u64, u64, u64, u64) noexcept;

// The values of a format (print.cpp), from a struct vargs or a uintptr_t
// array, each nested read checked.
struct Value {
    std::int64_t i = 0;
    double d = 0;
    bool is_double = false;
    bool missing = false;
    // Tagged VT_POINTER, or a word the verifier did not prove a number (at or
    // past the first stack byte that may hold a pointer): printed only by
    // %s, otherwise "(ptr)", never as digits.
    bool may_be_pointer = false;
};
class Values {
public:
    [[nodiscard]] bool from_vargs(u64 vargs) noexcept;
    [[nodiscard]] bool from_words(u64 args) noexcept;
    [[nodiscard]] Value next() noexcept;
    [[nodiscard]] bool words() const noexcept { return words_ != nullptr; }

private:
    const std::uint8_t* vtypes_ = nullptr;
    const std::uint8_t* words_ = nullptr;
    std::uint32_t count_ = 0, index_ = 0;
    std::uint64_t proven_words_bytes_ = 0;  // from_words: bytes of the array proven pointer-free (arg_room)
};
// printf's format over `values` into `out`; false if the format is malformed.
[[nodiscard]] bool format(std::string_view fmt, Values& values, std::string& out) noexcept;
// Writes to the log stream of the running plugin's runtime (standard error by default).
void write_log(std::string_view text) noexcept;

}  // namespace mempool::detail::xbgp
