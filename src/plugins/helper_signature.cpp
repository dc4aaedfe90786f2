// helper_signature.cpp: HelperSpec -> vm::HelperSignature (see the header).
#include "helper_signature.hpp"

#include "xbgp/helper_signatures.hpp"

namespace mempool::detail {

bool check_helper_spec(const HelperSpec& spec, std::string& why) {
    if (spec.name.empty() || spec.fn == nullptr || spec.arg_count > 5) {
        why = "helper needs a name, a function and at most 5 arguments";
        return false;
    }
    if (spec.xbgp_id != 0) {  // the xBGP table's signature (checked there)
        const std::optional<XbgpHelperEntry> entry = xbgp_helper_entry(spec.xbgp_id);
        if (!entry || entry->name != spec.name) {
            why = "helper '" + spec.name + "': xbgp_id " + std::to_string(spec.xbgp_id) +
                  " is not this name's entry of the xBGP helper table";
            return false;
        }
        return true;
    }
    // The reason's prefix, made only when there is a reason to give.
    const auto who = [&spec] { return "helper '" + spec.name + "': "; };
    bool buffer = false, heap_ptr = false;
    for (unsigned i = 0; i < spec.arg_count; ++i) {
        const HelperArg a = spec.args[i];
        const bool sized = a == HelperArg::in_bytes || a == HelperArg::out_bytes;
        if (sized && (i + 1 >= spec.arg_count || spec.args[i + 1] != HelperArg::size)) {
            why = who() + "argument " + std::to_string(i + 1) + " (in_bytes/out_bytes) must be followed by a size argument";
            return false;
        }
        if (a == HelperArg::size &&
            (i == 0 || (spec.args[i - 1] != HelperArg::in_bytes && spec.args[i - 1] != HelperArg::out_bytes))) {
            why = who() + "argument " + std::to_string(i + 1) + " (size) must follow an in_bytes or out_bytes argument";
            return false;
        }
        if (static_cast<unsigned>(a) > static_cast<unsigned>(HelperArg::heap_ptr)) {
            why = who() + "argument " + std::to_string(i + 1) + " has an unknown kind";
            return false;
        }
        buffer = buffer || a == HelperArg::buffer;
        heap_ptr = heap_ptr || a == HelperArg::heap_ptr;
    }
    if (buffer && heap_ptr) {
        why = who() + "buffer and heap_ptr arguments cannot be mixed in one helper";
        return false;
    }
    switch (spec.ret) {
    case HelperRet::number: return true;
    case HelperRet::heap_or_null:
        if (spec.ret_size_arg >= 0) {
            const auto i = static_cast<unsigned>(spec.ret_size_arg);
            if (i >= spec.arg_count ||
                (spec.args[i] != HelperArg::number && spec.args[i] != HelperArg::size)) {
                why = who() + "ret_size_arg must name a number or size argument";
                return false;
            }
            return true;
        }
        if (spec.ret_size == 0 || spec.ret_size > vm::max_helper_size) {
            why = who() + "a heap_or_null return needs ret_size (1.." + std::to_string(vm::max_helper_size) +
                  ") or ret_size_arg";
            return false;
        }
        return true;
    }
    why = who() + "unknown return kind";
    return false;
}

vm::HelperSignature signature_of(const HelperSpec& spec) {
    if (spec.xbgp_id != 0) return xbgp_signature(spec.xbgp_id);
    vm::HelperSignature sig;
    sig.name = spec.name;
    sig.arg_count = spec.arg_count;
    for (unsigned i = 0; i < spec.arg_count && i < 5; ++i) {
        switch (spec.args[i]) {
        case HelperArg::number: sig.args[i] = vm::ArgKind::number; break;
        case HelperArg::buffer:
            sig.args[i] = vm::ArgKind::mem_fixed;
            sig.fixed_size = MEMPOOL_BUF_SIZE;
            break;
        case HelperArg::in_bytes: sig.args[i] = vm::ArgKind::mem_in; break;
        case HelperArg::out_bytes: sig.args[i] = vm::ArgKind::mem_out; break;
        case HelperArg::size: sig.args[i] = vm::ArgKind::size; break;
        case HelperArg::heap_ptr: sig.args[i] = vm::ArgKind::heap_or_null; break;
        }
    }
    sig.ret = spec.ret == HelperRet::heap_or_null ? vm::RetKind::heap_or_null : vm::RetKind::number;
    sig.ret_size = spec.ret_size;
    sig.ret_size_arg = spec.ret_size_arg;
    return sig;
}

}  // namespace mempool::detail
