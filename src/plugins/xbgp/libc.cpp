// xbgp/libc.cpp: the xBGP helpers that stand in for the C library: memory
// (ebpf_memcpy, ebpf_memcmp, memcmp and bcmp, which clang emits), numbers
// (ebpf_sqrt), addresses in text (ebpf_inet_ntop, ebpf_inet_pton), byte
// order (ebpf_htons ... ebpf_ntohll, for objects built against xBGP's own
// headers; ours inline them), and time (get_time: the host's clock;
// get_realtime: CLOCK_REALTIME; bpf_clock: clock()).
//
// Buffers and lengths are the ones the verifier (or, for run-time sizes, the
// executor's check before the call) proved; a nested length the helper needs
// beyond that (16 address bytes for AF_INET6) is checked here.
#include "host.hpp"
#include "regions.hpp"
#include "xbgp_helpers.hpp"

#include <arpa/inet.h>

#include <cmath>
#include <cstring>
#include <ctime>
#include <string>

namespace mempool::detail::xbgp {

namespace {
constexpr u64 minus_one = ~u64{0};
u64 sign(int r) noexcept { return r < 0 ? minus_one : r > 0 ? 1 : 0; }
}  // namespace

u64 ebpf_memcpy(u64 dst, u64 src, u64 len, u64, u64) noexcept {
    if (len != 0) std::memmove(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), len);
    return dst;
}

u64 ebpf_memcmp(u64 a, u64 b, u64 len, u64, u64) noexcept {
    return len == 0 ? 0 : sign(std::memcmp(reinterpret_cast<const void*>(a), reinterpret_cast<const void*>(b), len));
}

u64 bcmp(u64 a, u64 b, u64 len, u64, u64) noexcept {
    return len == 0 ? 0 : (std::memcmp(reinterpret_cast<const void*>(a), reinterpret_cast<const void*>(b), len) != 0 ? 1 : 0);
}

// floor(sqrt(a) * 10^precision); 0 when precision is above 9 (the result
// would lose its integer meaning) or the product does not fit.
u64 ebpf_sqrt(u64 a, u64 precision, u64, u64, u64) noexcept {
    const auto p = static_cast<std::uint32_t>(precision);
    if (p > 9) return 0;
    const long double r = std::sqrt(static_cast<long double>(a)) * std::pow(10.0L, static_cast<long double>(p));
    if (!(r < 18446744073709551616.0L)) return 0;
    return static_cast<u64>(std::floor(r));
}

// 0 and the text (NUL-terminated) in buf, or -1: unknown family, or buf too small.
u64 ebpf_inet_ntop(u64 addr, u64 af, u64 buf, u64 len, u64) noexcept {
    const int family = static_cast<int>(static_cast<std::int32_t>(af));
    const std::size_t n = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
    if (n == 0 || len == 0) return minus_one;
    // 4 bytes are proven (the signature); the 16 of AF_INET6 are checked here,
    // and within the room the executor reports (arg_room[0]): on the stack,
    // bytes past it may be a spilled pointer's, which the text would show.
    if (n == 16 && plugin_bytes(addr, n, false).empty()) return minus_one;
    const RunView* view = current_view;
    const std::uint32_t room = view != nullptr && view->rc != nullptr ? view->rc->arg_room[0] : UINT32_MAX;
    if (n == 16 && room < n) return minus_one;
    std::uint8_t copy[16];
    std::memcpy(copy, reinterpret_cast<const void*>(addr), n);
    char text[INET6_ADDRSTRLEN];
    if (inet_ntop(family, copy, text, sizeof text) == nullptr) return minus_one;
    const std::size_t need = std::strlen(text) + 1;
    if (need > len) return minus_one;
    std::memcpy(reinterpret_cast<void*>(buf), text, need);
    return 0;
}

// As inet_pton: 1 (address written to dst), 0 (not an address of that
// family), -1 (unknown family, or dst shorter than 4 or 16 bytes).
u64 ebpf_inet_pton(u64 af, u64 src, u64 dst, u64 len, u64) noexcept {
    const int family = static_cast<int>(static_cast<std::int32_t>(af));
    const std::size_t n = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
    std::string_view text;
    if (n == 0 || len < n) return minus_one;
    if (!plugin_string(src, INET6_ADDRSTRLEN + 8, text, 1)) return 0;
    std::uint8_t out[16];
    if (inet_pton(family, std::string(text).c_str(), out) != 1) return 0;
    std::memcpy(reinterpret_cast<void*>(dst), out, n);
    return 1;
}

u64 swap16(u64 v, u64, u64, u64, u64) noexcept { return __builtin_bswap16(static_cast<std::uint16_t>(v)); }
u64 swap32(u64 v, u64, u64, u64, u64) noexcept { return __builtin_bswap32(static_cast<std::uint32_t>(v)); }
u64 swap64(u64 v, u64, u64, u64, u64) noexcept { return __builtin_bswap64(v); }

namespace {
// struct timespec as the plugin lays it out: two 64-bit fields.
u64 put_time(u64 spec, std::int64_t seconds, std::int64_t nanoseconds) noexcept {
    const std::int64_t t[2] = {seconds, nanoseconds};
    std::memcpy(reinterpret_cast<void*>(spec), t, sizeof t);  // 16 writable bytes, proven
    return 0;
}
u64 clock_time(u64 spec, clockid_t id) noexcept {
    timespec ts{};
    if (clock_gettime(id, &ts) != 0) {
        put_time(spec, 0, 0);
        return minus_one;
    }
    return put_time(spec, ts.tv_sec, ts.tv_nsec);
}
}  // namespace

u64 get_time(u64 spec, u64, u64, u64, u64) noexcept {
    const XbgpHost* host = current_host();
    if (host != nullptr && host->clock != nullptr) {
        Runtime::HostTime now;
        if (!host->clock(now, host->clock_data)) {
            put_time(spec, 0, 0);
            return minus_one;
        }
        return put_time(spec, now.seconds, now.nanoseconds);
    }
    return clock_time(spec, CLOCK_MONOTONIC);
}

u64 get_realtime(u64 spec, u64, u64, u64, u64) noexcept { return clock_time(spec, CLOCK_REALTIME); }

u64 bpf_clock(u64, u64, u64, u64, u64) noexcept { return static_cast<u64>(std::clock()); }

}  // namespace mempool::detail::xbgp
