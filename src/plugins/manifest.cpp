// manifest.cpp: load and attach the plugins named in a JSON manifest.
//
//   {
//     "plugins": [
//       { "name": "count_updates", "object": "count_updates.o",
//         "section": "plugin/count_updates", "point": "bgp_message", "order": 10,
//         "heap": 4096, "global_pool_bytes": 1048576, "object_pool_bytes": 4096 }
//     ]
//   }
//
// Relative object paths are relative to the manifest's folder. "section"
// defaults to "plugin/<name>", "order" to 0; the three limits (bytes, see
// PluginLimits) to the runtime's options. Every entry is checked and every
// problem reported with the plugin's name; nothing is attached unless all
// entries are good. The plugins are loaded as one batch (Runtime::load_batch).
#include <mempool/runtime.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <new>
#include <optional>
#include <set>
#include <sstream>

namespace mempool {
namespace {

PluginError problem(PluginErrc code, std::string plugin, std::string message) {
    PluginError e;
    e.code = code;
    e.plugin = std::move(plugin);
    e.message = std::move(message);
    return e;
}

}  // namespace

ManifestReport Runtime::load_manifest(const std::string& path) noexcept {
    ManifestReport report;
    try {
        const std::string where = "manifest '" + path + "'";
        std::ifstream in(path);
        if (!in) {
            report.problems.push_back(problem(PluginErrc::bad_manifest, {}, where + ": cannot open the file"));
            return report;
        }
        nlohmann::json doc;
        try {
            doc = nlohmann::json::parse(in);
        } catch (const nlohmann::json::parse_error& e) {
            report.problems.push_back(
                problem(PluginErrc::bad_manifest, {}, where + ": not valid JSON (" + e.what() + ")"));
            return report;
        }
        if (!doc.is_object() || !doc.contains("plugins") || !doc["plugins"].is_array()) {
            report.problems.push_back(
                problem(PluginErrc::bad_manifest, {}, where + ": expected an object with a \"plugins\" array"));
            return report;
        }

        const std::filesystem::path base = std::filesystem::path(path).parent_path();
        struct Pending {
            PointId point;
            std::int32_t order;
        };
        std::vector<Pending> pending;
        std::vector<PluginSource> sources;
        std::vector<std::size_t> problem_slot;  // where each source's problem goes in manifest order
        std::set<std::string> names;
        std::size_t index = 0;
        for (const nlohmann::json& entry : doc["plugins"]) {
            ++index;
            std::string name("#");
            name += std::to_string(index);
            if (!entry.is_object()) {
                report.problems.push_back(problem(PluginErrc::bad_manifest, name, "entry is not a JSON object"));
                continue;
            }
            if (entry.contains("name") && entry["name"].is_string()) name = entry["name"].get<std::string>();
            auto text = [&](const char* key, std::string fallback, bool required) -> std::optional<std::string> {
                if (!entry.contains(key)) {
                    if (!required) return fallback;
                    report.problems.push_back(
                        problem(PluginErrc::bad_manifest, name, std::string("missing \"") + key + "\""));
                    return std::nullopt;
                }
                if (!entry[key].is_string() || entry[key].get<std::string>().empty()) {
                    report.problems.push_back(
                        problem(PluginErrc::bad_manifest, name, std::string("\"") + key + "\" must be a non-empty string"));
                    return std::nullopt;
                }
                return entry[key].get<std::string>();
            };
            auto plugin_name = text("name", {}, true);
            auto object = text("object", {}, true);
            auto section = text("section", "plugin/" + name, false);
            auto point_name = text("point", {}, true);
            std::int32_t order = 0;
            if (entry.contains("order")) {
                if (!entry["order"].is_number_integer() || entry["order"].get<std::int64_t>() < INT32_MIN ||
                    entry["order"].get<std::int64_t>() > INT32_MAX) {
                    report.problems.push_back(problem(PluginErrc::bad_manifest, name, "\"order\" must be a 32-bit integer"));
                    continue;
                }
                order = static_cast<std::int32_t>(entry["order"].get<std::int64_t>());
            }
            // The plugin's own limits: non-negative integers, bytes.
            PluginLimits limits;
            bool limits_ok = true;
            auto limit = [&](const char* key, std::uint64_t max) -> std::optional<std::uint64_t> {
                if (!entry.contains(key)) return std::nullopt;
                const nlohmann::json& v = entry[key];
                if (!v.is_number_unsigned() || v.get<std::uint64_t>() > max) {
                    report.problems.push_back(problem(PluginErrc::bad_manifest, name,
                                                      std::string("\"") + key + "\" must be an integer from 0 to " +
                                                          std::to_string(max) + " (bytes)"));
                    limits_ok = false;
                    return std::nullopt;
                }
                return v.get<std::uint64_t>();
            };
            if (auto h = limit("heap", max_heap_size)) limits.heap = static_cast<std::uint32_t>(*h);
            limits.global_pool_bytes = limit("global_pool_bytes", UINT64_MAX);
            limits.object_pool_bytes = limit("object_pool_bytes", UINT64_MAX);
            if (!plugin_name || !object || !section || !point_name || !limits_ok) continue;
            if (!names.insert(*plugin_name).second) {
                report.problems.push_back(problem(PluginErrc::duplicate, name, "the manifest names it twice"));
                continue;
            }
            const PointId point = find_point(*point_name);
            if (!point.valid()) {
                std::string known;
                for (const Point& p : points_) known += (known.empty() ? "" : ", ") + p.name;
                report.problems.push_back(problem(PluginErrc::unknown_point, name,
                                                  "unknown insertion point '" + *point_name + "' (this host has: " +
                                                      (known.empty() ? "none" : known) + ")"));
                continue;
            }
            std::filesystem::path object_path(*object);
            if (object_path.is_relative()) object_path = base / object_path;
            pending.push_back(Pending{point, order});
            sources.push_back(PluginSource{object_path.string(), *section, name, limits});
            problem_slot.push_back(report.problems.size());
        }

        // All the plugins in one batch.
        std::vector<LoadResult> loaded = load_batch(sources);
        if (loaded.size() != sources.size()) throw std::bad_alloc();
        // Load problems go where the entry stands in the manifest, among the
        // entry problems found above.
        std::vector<PluginError> problems;
        problems.reserve(report.problems.size() + sources.size());
        std::size_t next_entry_problem = 0;
        for (std::size_t i = 0; i < loaded.size(); ++i) {
            while (next_entry_problem < problem_slot[i])
                problems.push_back(std::move(report.problems[next_entry_problem++]));
            if (!loaded[i]) problems.push_back(loaded[i].error());
        }
        while (next_entry_problem < report.problems.size())
            problems.push_back(std::move(report.problems[next_entry_problem++]));
        report.problems = std::move(problems);
        if (!report.problems.empty()) return report;
        for (std::size_t i = 0; i < pending.size(); ++i) {
            const Pending& p = pending[i];
            PluginStatus s = attach(p.point, loaded[i].value(), p.order);
            if (!s) {
                report.problems.push_back(s.error);
                continue;
            }
            ++report.attached;
        }
    } catch (const std::exception& e) {
        report.problems.push_back(problem(PluginErrc::internal, {}, std::string("manifest: ") + e.what()));
    }
    return report;
}

}  // namespace mempool
