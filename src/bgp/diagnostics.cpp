// diagnostics.cpp: collects reports of malformed input; names of the codes.
#include "diagnostics.hpp"

namespace mempool::bgp {

const char* diag_code_name(DiagCode c) noexcept {
    switch (c) {
    case DiagCode::cannot_open: return "cannot_open";
    case DiagCode::read_error: return "read_error";
    case DiagCode::mrt_header_truncated: return "mrt_header_truncated";
    case DiagCode::mrt_length_too_large: return "mrt_length_too_large";
    case DiagCode::mrt_body_truncated: return "mrt_body_truncated";
    case DiagCode::mrt_framing_lost: return "mrt_framing_lost";
    case DiagCode::record_truncated: return "record_truncated";
    case DiagCode::record_bad_subtype: return "record_bad_subtype";
    case DiagCode::record_bad_family: return "record_bad_family";
    case DiagCode::record_bad_prefix: return "record_bad_prefix";
    case DiagCode::record_attribute_overrun: return "record_attribute_overrun";
    case DiagCode::record_trailing_bytes: return "record_trailing_bytes";
    case DiagCode::peer_table_missing: return "peer_table_missing";
    case DiagCode::peer_index_unknown: return "peer_index_unknown";
    case DiagCode::message_short: return "message_short";
    case DiagCode::message_bad_marker: return "message_bad_marker";
    case DiagCode::message_bad_length: return "message_bad_length";
    case DiagCode::message_bad_type: return "message_bad_type";
    case DiagCode::open_malformed: return "open_malformed";
    case DiagCode::notification_truncated: return "notification_truncated";
    case DiagCode::update_field_overrun: return "update_field_overrun";
    case DiagCode::attribute_header_truncated: return "attribute_header_truncated";
    case DiagCode::attribute_overrun: return "attribute_overrun";
    case DiagCode::attribute_repeated: return "attribute_repeated";
    case DiagCode::attribute_malformed: return "attribute_malformed";
    case DiagCode::prefix_malformed: return "prefix_malformed";
    case DiagCode::prefix_path_ids_unflagged: return "prefix_path_ids_unflagged";
    }
    return "?";
}

const char* diag_action_name(DiagAction a) noexcept {
    switch (a) {
    case DiagAction::skip_rest_of_file: return "skip_rest_of_file";
    case DiagAction::skip_record: return "skip_record";
    case DiagAction::bytes_skipped: return "bytes_skipped";
    case DiagAction::skip_message: return "skip_message";
    case DiagAction::treat_as_withdraw: return "treat_as_withdraw";
    case DiagAction::attribute_discard: return "attribute_discard";
    case DiagAction::prefix_tail_dropped: return "prefix_tail_dropped";
    case DiagAction::read_with_path_ids: return "read_with_path_ids";
    }
    return "?";
}

void Diagnostics::report(const std::uint8_t* where, DiagCode code, DiagAction action, std::string reason,
                         std::uint8_t attribute) {
    std::uint64_t off = record_offset_;
    if (where != nullptr && base_ != nullptr && where >= base_) off += static_cast<std::uint64_t>(where - base_);
    report_at(off, record_number_, code, action, std::move(reason));
    if (!errors_.empty() && errors_.size() <= kKeep && count_ == errors_.size()) errors_.back().attribute = attribute;
}

void Diagnostics::report_at(std::uint64_t offset, std::uint64_t record, DiagCode code, DiagAction action,
                            std::string reason) {
    ++count_;
    if (errors_.size() < kKeep) errors_.push_back(ParseError{file_, offset, record, code, action, 0, std::move(reason)});
}

}  // namespace mempool::bgp
