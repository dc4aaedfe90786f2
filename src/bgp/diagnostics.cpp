// diagnostics.cpp: collects reports of malformed input.
#include "diagnostics.hpp"

namespace mempool::bgp {

void Diagnostics::report(const std::uint8_t* where, std::string reason) {
    std::uint64_t off = record_offset_;
    if (where != nullptr && base_ != nullptr && where >= base_) off += static_cast<std::uint64_t>(where - base_);
    report_at(off, record_number_, std::move(reason));
}

void Diagnostics::report_at(std::uint64_t offset, std::uint64_t record, std::string reason) {
    ++count_;
    if (errors_.size() < kKeep) errors_.push_back(ParseError{file_, offset, record, std::move(reason)});
}

}  // namespace mempool::bgp
