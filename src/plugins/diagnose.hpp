// diagnose.hpp: turn librte_bpf's log lines into one plain-words reason.
//
// librte_bpf says why it refuses a program in terse log lines
// ("resolve_xsym(, 0) error code: -2", "memory boundary violation at pc: 7").
// The diagnosis reads those lines and, where they are cryptic, the program's
// own instructions and relocations, and names the construct: loop, global
// variable, non-inlined function, unknown helper, out-of-bounds access, stack
// too large, unsupported instruction.
#pragma once

#include "elf_object.hpp"

#include <mempool/runtime.hpp>

#include <string>
#include <string_view>

namespace mempool::detail {

// `error` is librte_bpf's rte_errno; `log` the lines captured during the load.
PluginError diagnose(std::string_view log, int error, const ElfObject& object,
                     const std::string& section);

}  // namespace mempool::detail
