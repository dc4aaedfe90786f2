// diagnostics.cpp: how a verifier or loader finding reads.
#include "program.hpp"

namespace mempool::vm {

std::string Diagnostic::to_string() const {
    std::string s = "pc " + std::to_string(pc);
    if (!where.file.empty()) {
        s += " (" + where.file + ":" + std::to_string(where.line) + ")";
    }
    s += ": " + message;
    if (!hint.empty()) s += "; " + hint;
    return s;
}

}  // namespace mempool::vm
