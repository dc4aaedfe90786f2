// helper_signature.hpp: a host's HelperSpec as the verifier sees it.
//
// The one place where the public helper declarations (HelperArg, HelperRet
// in mempool/runtime.hpp) become vm::HelperSignature (src/vm/program.hpp),
// and where a declaration the verifier could not honour is refused at
// registration, with the reason.
//
//   std::string why;
//   if (!detail::check_helper_spec(spec, why)) return fail(..., why);
//   vm::HelperSignature sig = detail::signature_of(spec);
#pragma once

#include <mempool/runtime.hpp>

#include "program.hpp"

#include <string>

namespace mempool::detail {

// True if `spec` is well formed: a name, a function, at most five arguments,
// every in_bytes/out_bytes followed by a size and every size preceded by one,
// buffer and heap_ptr not mixed in one helper, a heap_or_null return with
// its size (ret_size > 0, or ret_size_arg naming a number or size argument).
// Otherwise false with the reason in `why`.
[[nodiscard]] bool check_helper_spec(const HelperSpec& spec, std::string& why);

// The verifier's view of a well-formed spec.
[[nodiscard]] vm::HelperSignature signature_of(const HelperSpec& spec);

}  // namespace mempool::detail
