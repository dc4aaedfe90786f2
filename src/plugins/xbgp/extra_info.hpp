// xbgp/extra_info.hpp: libxbgp's extra configuration (the file
// get_extra_info* read), parsed once into a tree of typed values that
// plugins walk through opaque handles.
//
// A plugin's struct global_info {void *hidden_ptr; int type;} holds, in
// hidden_ptr, a handle: a tag and the node's index in this tree (never an
// address: the plugin can read it as a number). The host validates a handle
// before every use, so a forged one gives -1, not a read of host memory.
//
//   auto cfg = detail::ExtraConfig::parse(json_text, "conf", why);
//   const detail::ExtraConfig::Node* n = cfg->find("rr_clients");  // a list
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mempool::detail {

class ExtraConfig {
public:
    // libxbgp's enum type_val: the `type` a plugin finds in global_info.
    enum Type : std::int32_t {
        undef = 0, int_, double_, ipv4, ipv6, ipv4_prefix, ipv6_prefix, list, dict, string,
    };
    struct Node {
        Type type = undef;
        std::vector<std::uint8_t> bytes;      // what get_extra_info_value copies
        std::vector<std::uint32_t> children;  // list: elements; dict: values (keys in `keys`)
        std::vector<std::string> keys;        // dict only, same order as children
    };

    // Parses `text` (a JSON object; `key` non-empty: its member `key`).
    // Null with the reason in `why` (the entry's path) if malformed.
    [[nodiscard]] static std::shared_ptr<const ExtraConfig> parse(std::string_view text, const std::string& key,
                                                                  std::string& why);

    // Handles (global_info.hidden_ptr) and their nodes.
    [[nodiscard]] static std::uint64_t handle_of(std::uint32_t index) noexcept { return tag | index; }
    [[nodiscard]] const Node* node(std::uint64_t handle) const noexcept {
        if ((handle & ~std::uint64_t{0xffffffff}) != tag || (handle & 0xffffffff) >= nodes_.size()) return nullptr;
        return &nodes_[handle & 0xffffffff];
    }
    // A top-level entry by name: its node index, or -1.
    [[nodiscard]] std::int64_t top(std::string_view name) const noexcept;
    [[nodiscard]] const std::vector<Node>& nodes() const noexcept { return nodes_; }

private:
    static constexpr std::uint64_t tag = 0x7862670000000000ull;  // "xbg"
    std::vector<Node> nodes_;     // node 0 is the top-level dict
};

}  // namespace mempool::detail
