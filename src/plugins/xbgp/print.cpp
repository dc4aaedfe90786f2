// xbgp/print.cpp: formatted output for plugins: ebpf_print_intern (behind
// ebpf_print), ebpf_bvsnprintf (behind ubpf_sprintf), and the format
// engine super_log shares (logging.cpp).
//
// The format is printf's: flags (-+ #0), a width and a precision (digits;
// `*` is refused), length modifiers (hh h l ll z j t L, accepted and
// ignored: every value arrives as 64 bits), conversions d i u o x X c s p
// f F e E g G a A and %%. Values come from the plugin's memory:
//   ebpf_print_intern(fmt, struct vargs *): nb_args struct vtype entries
//     (32 bytes each, the tag at 0, the value at 16; xbgp_common_vm_defs.h),
//     each read as its tag says (signed, unsigned, float, double, pointer);
//   ebpf_bvsnprintf(buf, size, fmt, uintptr_t *args): args[0] is the count,
//     args[1..] the values, as 64-bit integers (a double's bits for %f); a
//     %s string is never read from the stack (the output goes back to the
//     plugin, and the stack is where address bytes may lie).
// Every nested read is checked (regions.hpp): the vtype array, the args
// array, and each %s string, which must be NUL-terminated inside one of the
// plugin's regions (otherwise "(invalid)" is printed). %p prints "(ptr)": an
// address is never shown, nor is a value tagged VT_POINTER or an args word
// past the bytes the verifier proved pointer-free (arg_room) printed as a
// number ("(ptr)"); an args word proven a number is a %s string only as a
// heap address. At most 32 values and 4096 bytes of output; a
// format asking for more values than given prints "(missing)" for them.
#include "host.hpp"
#include "regions.hpp"
#include "xbgp_helpers.hpp"

#include "../call_state.hpp"

#include <cstdio>
#include <cstring>
#include <string>

namespace mempool::detail::xbgp {

namespace {

constexpr std::size_t max_output = 4096;
constexpr std::uint32_t max_values = 32;

// Whether n is a heap address (vm::heap_address()) inside the running plugin's arena.
bool is_heap_address(u64 n) noexcept { return n >= vm::heap_address_base && n - vm::heap_address_base < tls.heap.size; }

// struct vtype's tags (xbgp_common_vm_defs.h).
enum : std::int32_t {
    VT_S8, VT_U8, VT_S16, VT_U16, VT_S32, VT_U32, VT_S64, VT_U64, VT_FLOAT, VT_DOUBLE, VT_LONGDOUBLE, VT_POINTER,
    VT_UCHAR, VT_SCHAR, VT_USHORT, VT_SSHORT, VT_UINT, VT_SINT, VT_SLONG, VT_ULONG, VT_ULLONG, VT_SLLONG
};

}  // namespace

Value Values::next() noexcept {
    Value v;
    if (index_ >= count_) {
        v.missing = true;
        return v;
    }
    const std::uint32_t i = index_++;
    if (vtypes_ != nullptr) {
        const std::uint8_t* e = vtypes_ + 32 * static_cast<std::size_t>(i);
        std::int32_t tag;
        std::memcpy(&tag, e, sizeof tag);
        const std::uint8_t* val = e + 16;
        auto load = [&](auto x) {
            std::memcpy(&x, val, sizeof x);
            return x;
        };
        switch (tag) {
        case VT_S8: case VT_SCHAR: v.i = load(std::int8_t{}); break;
        case VT_U8: case VT_UCHAR: v.i = load(std::uint8_t{}); break;
        case VT_S16: case VT_SSHORT: v.i = load(std::int16_t{}); break;
        case VT_U16: case VT_USHORT: v.i = load(std::uint16_t{}); break;
        case VT_S32: case VT_SINT: v.i = load(std::int32_t{}); break;
        case VT_U32: case VT_UINT: v.i = load(std::uint32_t{}); break;
        case VT_FLOAT: v.d = load(float{}); v.is_double = true; break;
        case VT_DOUBLE: case VT_LONGDOUBLE: v.d = load(double{}); v.is_double = true; break;  // long double: its first 8 bytes
        case VT_POINTER: v.i = static_cast<std::int64_t>(load(std::uint64_t{})); v.may_be_pointer = true; break;
        default: v.i = static_cast<std::int64_t>(load(std::uint64_t{})); break;  // 64-bit integers, pointers
        }
        return v;
    }
    std::uint64_t raw;
    std::memcpy(&raw, words_ + 8 * (static_cast<std::size_t>(i) + 1), sizeof raw);
    v.i = static_cast<std::int64_t>(raw);
    v.may_be_pointer = 8 * (static_cast<std::uint64_t>(i) + 2) > proven_words_bytes_;
    std::memcpy(&v.d, &raw, sizeof raw);
    return v;
}

bool Values::from_vargs(u64 vargs) noexcept {
    // struct vargs {int nb_args; struct vtype *args;}: 16 bytes the verifier
    // proved readable (the helper's argument); `args` inside is checked.
    std::int32_t n;
    u64 array;
    std::memcpy(&n, reinterpret_cast<const void*>(vargs), sizeof n);
    std::memcpy(&array, reinterpret_cast<const void*>(vargs + 8), sizeof array);
    if (n < 0 || static_cast<std::uint32_t>(n) > max_values) return false;
    count_ = static_cast<std::uint32_t>(n);
    if (count_ == 0) return true;
    const auto entries = plugin_bytes(array, 32ull * count_, false);
    if (entries.empty()) return false;
    vtypes_ = entries.data();
    return true;
}

bool Values::from_words(u64 args) noexcept {
    std::uint64_t n;  // args[0]: 8 bytes the verifier proved readable
    std::memcpy(&n, reinterpret_cast<const void*>(args), sizeof n);
    if (n > max_values) return false;
    count_ = static_cast<std::uint32_t>(n);
    const auto all = plugin_bytes(args, 8 * (n + 1), false);
    if (all.empty()) return false;
    words_ = all.data();
    // The verifier proved (and the executor reported in arg_room[3], R4) how
    // many bytes from args hold no pointer: a word past them may be a
    // spilled pointer, whose digits would give the plugin a host address.
    const RunView* view = current_view;
    const std::uint32_t room = view != nullptr && view->rc != nullptr ? view->rc->arg_room[3] : 0;
    proven_words_bytes_ = view == nullptr ? UINT64_MAX : room;  // no view: only the heap is readable
    return true;
}

bool format(std::string_view fmt, Values& values, std::string& out) noexcept {
    try {
        out.clear();
        char piece[512];
        for (std::size_t i = 0; i < fmt.size() && out.size() < max_output;) {
            if (fmt[i] != '%') {
                out += fmt[i++];
                continue;
            }
            // One conversion: %[flags][width][.precision][length]conversion
            std::string spec = "%";
            std::size_t j = i + 1;
            while (j < fmt.size() && std::strchr("-+ #0", fmt[j]) != nullptr) spec += fmt[j++];
            for (int digits = 0; j < fmt.size() && fmt[j] >= '0' && fmt[j] <= '9'; ++digits) {
                if (digits == 3) return false;  // a width of 1000 or more
                spec += fmt[j++];
            }
            if (j < fmt.size() && fmt[j] == '.') {
                spec += fmt[j++];
                for (int digits = 0; j < fmt.size() && fmt[j] >= '0' && fmt[j] <= '9'; ++digits) {
                    if (digits == 3) return false;
                    spec += fmt[j++];
                }
            }
            while (j < fmt.size() && std::strchr("hlzjtLq", fmt[j]) != nullptr) ++j;  // every value is 64 bits
            if (j >= fmt.size()) return false;
            const char conv = fmt[j++];
            i = j;
            if (conv == '%') {
                out += '%';
                continue;
            }
            Value v = values.next();
            if (v.missing) {
                out += "(missing)";
                continue;
            }
            int n = -1;
            if (v.may_be_pointer && conv != 's') {
                out += "(ptr)";
                continue;
            }
            if (values.words() && !v.may_be_pointer && conv == 's' && !is_heap_address(static_cast<u64>(v.i))) {
                // A number the plugin computed is a string only as a heap
                // address: a raw one would tell whether it guessed a host address.
                out += "(invalid)";
                continue;
            }
            switch (conv) {
            case 'd': case 'i':
                n = std::snprintf(piece, sizeof piece, (spec + "lld").c_str(), static_cast<long long>(v.i));
                break;
            case 'u': case 'o': case 'x': case 'X':
                n = std::snprintf(piece, sizeof piece, (spec + "ll" + conv).c_str(), static_cast<unsigned long long>(v.i));
                break;
            case 'c':
                n = std::snprintf(piece, sizeof piece, (spec + "c").c_str(), static_cast<int>(static_cast<unsigned char>(v.i)));
                break;
            case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': case 'a': case 'A': {
                const double d = v.is_double ? v.d : (values.words() ? v.d : static_cast<double>(v.i));
                n = std::snprintf(piece, sizeof piece, (spec + conv).c_str(), d);
                break;
            }
            case 's': {
                std::string_view text;
                if (!plugin_string(static_cast<u64>(v.i), max_output, text, -1, values.words())) text = "(invalid)";
                const std::string copy(text);
                n = std::snprintf(piece, sizeof piece, (spec + "s").c_str(), copy.c_str());
                if (n >= static_cast<int>(sizeof piece)) {  // a long string: as is, without padding
                    out += copy;
                    continue;
                }
                break;
            }
            case 'p': n = std::snprintf(piece, sizeof piece, "(ptr)"); break;
            default: return false;
            }
            if (n < 0) return false;
            out.append(piece, static_cast<std::size_t>(n) < sizeof piece ? static_cast<std::size_t>(n) : sizeof piece - 1);
        }
        if (out.size() > max_output) out.resize(max_output);
        return true;
    } catch (const std::bad_alloc&) {
        return false;
    }
}

void write_log(std::string_view text) noexcept {
    const XbgpHost* host = current_host();
    std::FILE* f = host != nullptr ? host->log : stderr;
    if (f == nullptr) return;
    std::fwrite(text.data(), 1, text.size(), f);
    std::fflush(f);
}

u64 ebpf_print_intern(u64 fmt, u64 vargs, u64, u64, u64) noexcept {
    std::string_view f;
    Values values;
    if (!plugin_string(fmt, max_output, f, 0) || !values.from_vargs(vargs)) return static_cast<u64>(-1);
    std::string out;
    if (!format(f, values, out)) return static_cast<u64>(-1);
    const XbgpHost* host = current_host();
    if (host == nullptr || (host->log_mask & 1u) != 0) write_log(out);
    return out.size();
}

u64 ebpf_bvsnprintf(u64 buf, u64 size, u64 fmt, u64 args, u64) noexcept {
    // size is the C int the plugin passed; the verifier proved buf holds that many bytes.
    const auto n = static_cast<std::int32_t>(size);
    std::string_view f;
    Values values;
    if (n <= 0 || !plugin_string(fmt, max_output, f, 2) || !values.from_words(args)) return static_cast<u64>(-1);
    std::string out;
    if (!format(f, values, out)) return static_cast<u64>(-1);
    auto* dst = reinterpret_cast<char*>(buf);
    const std::size_t room = static_cast<std::size_t>(n) - 1;
    const std::size_t copied = out.size() < room ? out.size() : room;
    std::memcpy(dst, out.data(), copied);
    dst[copied] = '\0';
    return out.size() <= room ? out.size() : static_cast<u64>(-1);
}

}  // namespace mempool::detail::xbgp
