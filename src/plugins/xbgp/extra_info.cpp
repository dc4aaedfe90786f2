// xbgp/extra_info.cpp: the extra configuration (parsing, see the header) and
// the helpers over it: get_extra_info(key, info), get_extra_info_dict(info,
// key, value), get_extra_info_lst_idx(info, i, value), get_extra_info_value(
// info, buf, len). Each returns 0, or -1 (and, for the lookups, a
// global_info of type 0 and handle 0) when the key, index or handle is not
// there, the node has another type, or the buffer is too small. Values are
// copied as libxbgp does: an int as 8 bytes, a float as a double, an IPv4
// address as 4 bytes and an IPv6 one as 16 (network order), a prefix as
// struct {int family; int prefix_len; address}, a string with its NUL.
#include "extra_info.hpp"

#include <mempool/runtime.hpp>

#include "../call_state.hpp"
#include "../read_file.hpp"
#include "host.hpp"
#include "xbgp_helpers.hpp"

#include <arpa/inet.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <new>

namespace mempool {
namespace detail {

namespace {

struct Parser {
    std::vector<ExtraConfig::Node>& nodes;
    std::string& why;

    template <class T>
    static void put(ExtraConfig::Node& n, const T& v) {
        const auto* b = reinterpret_cast<const std::uint8_t*>(&v);
        n.bytes.assign(b, b + sizeof v);
    }

    // Lists and dicts nest at most this deep (libxbgp's files nest 2 or 3):
    // each level is a recursive call holding its own path, so a file nested
    // 100,000 deep overflowed the host's stack (redteam4_holes_test.cpp).
    static constexpr int max_depth = 32;

    // Parses {"type_arg": T, "arg": V} at `path` into a new node; its index, or -1.
    std::int64_t entry(const nlohmann::json& e, const std::string& path, int depth = 0) {
        if (depth > max_depth) {
            why = path + ": lists and dicts nested deeper than " + std::to_string(max_depth);
            return -1;
        }
        if (!e.is_object() || !e.contains("type_arg") || !e.contains("arg") || !e["type_arg"].is_string()) {
            why = path + ": expected {\"type_arg\": ..., \"arg\": ...}";
            return -1;
        }
        const std::string type = e["type_arg"].get<std::string>();
        const nlohmann::json& v = e["arg"];
        const auto index = static_cast<std::uint32_t>(nodes.size());
        nodes.emplace_back();
        ExtraConfig::Node n;
        auto bad = [&](const char* what) {
            why = path + ": \"arg\" is not " + what;
            return -1;
        };
        if (type == "int") {
            if (!v.is_number_integer()) return bad("an integer");
            n.type = ExtraConfig::int_;
            put(n, v.is_number_unsigned() ? v.get<std::uint64_t>() : static_cast<std::uint64_t>(v.get<std::int64_t>()));
        } else if (type == "float") {
            if (!v.is_number()) return bad("a number");
            n.type = ExtraConfig::double_;
            put(n, v.get<double>());
        } else if (type == "ipv4" || type == "ipv6") {
            const bool v6 = type == "ipv6";
            std::uint8_t addr[16];
            if (!v.is_string() || inet_pton(v6 ? AF_INET6 : AF_INET, v.get<std::string>().c_str(), addr) != 1)
                return bad(v6 ? "an IPv6 address" : "an IPv4 address");
            n.type = v6 ? ExtraConfig::ipv6 : ExtraConfig::ipv4;
            n.bytes.assign(addr, addr + (v6 ? 16 : 4));
        } else if (type == "ipv4_prefix" || type == "ipv6_prefix") {
            const bool v6 = type == "ipv6_prefix";
            if (!v.is_string()) return bad("a prefix");
            const std::string text = v.get<std::string>();
            const auto slash = text.find('/');
            std::uint8_t addr[16] = {};
            if (slash == std::string::npos || inet_pton(v6 ? AF_INET6 : AF_INET, text.substr(0, slash).c_str(), addr) != 1)
                return bad(v6 ? "an IPv6 prefix (address/length)" : "an IPv4 prefix (address/length)");
            int len = -1;
            try {
                std::size_t used = 0;
                len = std::stoi(text.substr(slash + 1), &used);
                if (used != text.size() - slash - 1) len = -1;
            } catch (const std::exception&) {
                len = -1;
            }
            if (len < 0 || len > (v6 ? 128 : 32)) return bad("a prefix with a valid length");
            n.type = v6 ? ExtraConfig::ipv6_prefix : ExtraConfig::ipv4_prefix;
            const std::int32_t head[2] = {v6 ? AF_INET6 : AF_INET, len};
            const auto* h = reinterpret_cast<const std::uint8_t*>(head);
            n.bytes.assign(h, h + sizeof head);
            n.bytes.insert(n.bytes.end(), addr, addr + (v6 ? 16 : 4));
        } else if (type == "str") {
            if (!v.is_string()) return bad("a string");
            n.type = ExtraConfig::string;
            const std::string text = v.get<std::string>();
            n.bytes.assign(text.begin(), text.end());
            n.bytes.push_back(0);
        } else if (type == "list") {
            if (!v.is_array()) return bad("an array");
            n.type = ExtraConfig::list;
            for (std::size_t i = 0; i < v.size(); ++i) {
                const std::int64_t c = entry(v[i], path + "[" + std::to_string(i) + "]", depth + 1);
                if (c < 0) return -1;
                n.children.push_back(static_cast<std::uint32_t>(c));
            }
        } else if (type == "dict") {
            if (!v.is_object()) return bad("an object");
            n.type = ExtraConfig::dict;
            for (const auto& [k, child] : v.items()) {
                const std::int64_t c = entry(child, path + "." + k, depth + 1);
                if (c < 0) return -1;
                n.keys.push_back(k);
                n.children.push_back(static_cast<std::uint32_t>(c));
            }
        } else {
            why = path + ": unknown type_arg '" + type +
                  "' (int, float, ipv4, ipv6, ipv4_prefix, ipv6_prefix, str, list, dict)";
            return -1;
        }
        nodes[index] = std::move(n);
        return index;
    }
};

}  // namespace

std::shared_ptr<const ExtraConfig> ExtraConfig::parse(std::string_view text, const std::string& key, std::string& why) {
    nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded()) {
        why = "not valid JSON";
        return nullptr;
    }
    if (!key.empty()) {
        if (!doc.is_object() || !doc.contains(key)) {
            why = "no top-level member '" + key + "'";
            return nullptr;
        }
        doc = doc[key];
    }
    if (!doc.is_object()) {
        why = "expected a JSON object of {\"type_arg\": ..., \"arg\": ...} entries";
        return nullptr;
    }
    auto cfg = std::make_shared<ExtraConfig>();
    cfg->nodes_.emplace_back();  // node 0: the top level, a dict
    cfg->nodes_[0].type = dict;
    Parser p{cfg->nodes_, why};
    std::vector<std::string> keys;
    std::vector<std::uint32_t> children;
    for (const auto& [k, v] : doc.items()) {
        const std::int64_t c = p.entry(v, k);
        if (c < 0) return nullptr;
        keys.push_back(k);
        children.push_back(static_cast<std::uint32_t>(c));
    }
    cfg->nodes_[0].keys = std::move(keys);
    cfg->nodes_[0].children = std::move(children);
    return cfg;
}

std::int64_t ExtraConfig::top(std::string_view name) const noexcept {
    const Node& root = nodes_[0];
    for (std::size_t i = 0; i < root.keys.size(); ++i)
        if (root.keys[i] == name) return root.children[i];
    return -1;
}

namespace xbgp {
namespace {

// The configuration of the runtime running the plugin, or null.
const ExtraConfig* config() noexcept {
    const XbgpHost* host = current_host();
    return host != nullptr ? host->extra.get() : nullptr;
}

// struct global_info, as the plugin sees it.
struct GlobalInfo {
    std::uint64_t hidden;
    std::int32_t type;
    std::int32_t pad;
};
static_assert(sizeof(GlobalInfo) == 16);

u64 fill(u64 out, std::int64_t index) noexcept {
    GlobalInfo g{};
    if (index >= 0) {
        const ExtraConfig* cfg = config();
        g.hidden = ExtraConfig::handle_of(static_cast<std::uint32_t>(index));
        g.type = cfg->nodes()[static_cast<std::size_t>(index)].type;
    }
    std::memcpy(reinterpret_cast<void*>(out), &g, sizeof g);  // the verifier proved 16 writable bytes
    return index >= 0 ? 0 : static_cast<u64>(-1);
}

const ExtraConfig::Node* node_of(u64 info) noexcept {
    const ExtraConfig* cfg = config();
    if (cfg == nullptr) return nullptr;
    GlobalInfo g;
    std::memcpy(&g, reinterpret_cast<const void*>(info), sizeof g);  // 16 readable bytes, proven
    return cfg->node(g.hidden);
}

}  // namespace

u64 get_extra_info(u64 key, u64 info, u64, u64, u64) noexcept {
    std::string_view name;
    const ExtraConfig* cfg = config();
    if (cfg == nullptr || !plugin_string(key, 256, name, 0)) return fill(info, -1);
    return fill(info, cfg->top(name));
}

u64 get_extra_info_dict(u64 info, u64 key, u64 value, u64, u64) noexcept {
    const ExtraConfig::Node* n = node_of(info);
    std::string_view name;
    if (n == nullptr || n->type != ExtraConfig::dict || !plugin_string(key, 256, name, 1)) return fill(value, -1);
    for (std::size_t i = 0; i < n->keys.size(); ++i)
        if (n->keys[i] == name) return fill(value, n->children[i]);
    return fill(value, -1);
}

u64 get_extra_info_lst_idx(u64 info, u64 index, u64 value, u64, u64) noexcept {
    const ExtraConfig::Node* n = node_of(info);
    const auto i = static_cast<std::uint32_t>(index);  // the C parameter is an int
    if (n == nullptr || n->type != ExtraConfig::list || i >= n->children.size()) return fill(value, -1);
    return fill(value, n->children[i]);
}

u64 get_extra_info_value(u64 info, u64 buf, u64 len, u64, u64) noexcept {
    // The signature (mem_out_rt) lets the verifier count all `len` bytes as
    // written after the call: every one is, a value shorter than len or a
    // failed call included. Otherwise the plugin reads stack bytes an
    // earlier plugin or the host left in an unzeroed frame
    // (redteam4_holes_test.cpp). len writable bytes, proven.
    if (len != 0) std::memset(reinterpret_cast<void*>(buf), 0, len);
    const ExtraConfig::Node* n = node_of(info);
    if (n == nullptr || n->type == ExtraConfig::list || n->type == ExtraConfig::dict || n->bytes.size() > len)
        return static_cast<u64>(-1);
    std::memcpy(reinterpret_cast<void*>(buf), n->bytes.data(), n->bytes.size());  // len writable bytes, proven
    return 0;
}

}  // namespace xbgp
}  // namespace detail

PluginStatus Runtime::load_extra_config(const std::string& path, const std::string& key) noexcept {
    PluginStatus s;
    try {
        // Read with a bound, as manifests are: a FIFO or a device that never
        // ends was read until memory ran out (redteam4_holes_test.cpp).
        std::string text, why;
        if (!detail::read_file_bounded(path, text, detail::max_text_file_bytes, why)) {
            s.error.code = PluginErrc::bad_manifest;
            s.error.message = "extra configuration '" + path + "': " + why;
            return s;
        }
        auto cfg = detail::ExtraConfig::parse(text, key, why);
        if (cfg == nullptr) {
            s.error.code = PluginErrc::bad_manifest;
            s.error.message = "extra configuration '" + path + "': " + why;
            return s;
        }
        detail::XbgpHost* host = xbgp_host();
        if (host == nullptr) throw std::bad_alloc();
        host->extra = std::move(cfg);
    } catch (const std::bad_alloc&) {
        s.error.code = PluginErrc::internal;
        s.error.message = "out of memory";
    }
    return s;
}

}  // namespace mempool
