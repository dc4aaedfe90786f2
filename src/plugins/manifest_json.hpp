// manifest_json.hpp: the JSON of a manifest, read quickly.
//
// Manifests are small, plain JSON: objects, arrays, ASCII strings,
// integers, booleans. nlohmann::json's parser spends some 100 instructions
// per byte on them (a third of what loading the shipped pass_next manifest
// costs at process start). parse_manifest_json() reads that plain subset
// itself, into the same nlohmann::json value, and hands everything else
// (escapes \u, non-ASCII bytes, fractions and exponents, integers of 19 or
// more digits, a key given twice, a byte-order mark, deep nesting, any
// error) to nlohmann::json::parse(text, nullptr, false): the result is
// always what that call gives, discarded when the text is not JSON.
//
//   nlohmann::json doc = detail::parse_manifest_json(text);
//   if (doc.is_discarded()) ... // not JSON (a meta-manifest, or a mistake)
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

namespace mempool::detail {

[[nodiscard]] nlohmann::json parse_manifest_json(std::string_view text);

}  // namespace mempool::detail
