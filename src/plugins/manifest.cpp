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

#include "read_file.hpp"
#include "xbgp/host.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <functional>
#include <map>
#include <new>
#include <optional>
#include <set>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mempool {
namespace detail {

// A manifest file as read: its text, its parse (discarded when it is not
// JSON: a meta-manifest, or a mistake) and which file it is (device and
// inode: what the meta-manifests' cycle check compares, without resolving
// the path). Read once: load_manifest hands the top file to the xBGP loader.
struct ManifestFile {
    std::string text;
    nlohmann::json doc;
    dev_t device = 0;
    ino_t inode = 0;
};

}  // namespace detail
namespace {

// How deep a manifest's JSON may nest (a manifest needs 5 levels). Parsing
// deeper is fine (nlohmann's parser and destructor use no recursion), but
// what the loaders do with a value may recurse once per level: dump() of an
// unknown permission or of a code that is not a string, the copy of a
// pre-2022 manifest's plugin: 80,000 levels (160 KB) overflowed the stack
// of a Release mempool-bgp (found with manifest_fuzz's set-up).
constexpr int max_manifest_nesting = 64;

// nlohmann's own DOM builder (what json::parse uses), stopped at the first
// value inside more than max_manifest_nesting arrays and objects. The same
// bound as a json::parse callback cost a std::function call and a
// keep-or-discard decision per value (10,000 of the 75,000 instructions
// the shipped manifest's parse took), and parsed on past what it no
// longer kept.
class NestingBoundedDom : public nlohmann::detail::json_sax_dom_parser<nlohmann::json> {
    using Dom = nlohmann::detail::json_sax_dom_parser<nlohmann::json>;

public:
    explicit NestingBoundedDom(nlohmann::json& result) : Dom(result, false) {}

    bool too_deep = false;

    bool null() { return fits() && Dom::null(); }
    bool boolean(bool v) { return fits() && Dom::boolean(v); }
    bool number_integer(number_integer_t v) { return fits() && Dom::number_integer(v); }
    bool number_unsigned(number_unsigned_t v) { return fits() && Dom::number_unsigned(v); }
    bool number_float(number_float_t v, const string_t& text) { return fits() && Dom::number_float(v, text); }
    bool string(string_t& v) { return fits() && Dom::string(v); }
    bool binary(binary_t& v) { return fits() && Dom::binary(v); }
    bool key(string_t& v) { return fits() && Dom::key(v); }
    bool start_object(std::size_t n) { return fits() && (++open_, Dom::start_object(n)); }
    bool start_array(std::size_t n) { return fits() && (++open_, Dom::start_array(n)); }
    bool end_object() { return --open_, Dom::end_object(); }
    bool end_array() { return --open_, Dom::end_array(); }

private:
    bool fits() {
        too_deep = open_ > max_manifest_nesting;
        return !too_deep;
    }
    int open_ = 0;  // arrays and objects begun and not ended
};

// Reads and parses `path` into `file`; false, with what went wrong in
// `why`, if it cannot be opened, is refused by `accepted`, holds more than
// max_text_file_bytes (a device or FIFO that never ends is not read past
// that) or JSON nested deeper than max_manifest_nesting. A
// read error ends the text where it happened (a folder reads as empty
// text, which then is not valid JSON). The top manifest may come through a
// pipe; an included one must be a regular file (1024 includes of a FIFO,
// each waited for, held a load for half an hour).
bool read_manifest(const std::string& path, detail::ManifestFile& file, std::string& why,
                   detail::AcceptedFiles accepted = detail::AcceptedFiles::any) {
    const detail::OpenedFile opened(path);
    if (accepted == detail::AcceptedFiles::regular_only && opened.not_a_regular_file()) {
        why = "an included manifest must be a regular file";
        return false;
    }
    if (opened.fd() < 0) {
        why = "cannot open the file";
        return false;
    }
    const struct stat* st = opened.status();
    file.device = st != nullptr ? st->st_dev : 0;
    file.inode = st != nullptr ? st->st_ino : 0;
    const detail::ReadOutcome r = detail::read_fd_bounded(opened.fd(), st, file.text, detail::max_text_file_bytes);
    if (r == detail::ReadOutcome::too_big) {
        why = "larger than " + std::to_string(detail::max_text_file_bytes) + " bytes: not a manifest";
        return false;
    }
    // Discarded when not JSON.
    NestingBoundedDom dom(file.doc);
    const bool parsed = nlohmann::json::sax_parse(file.text, &dom);
    if (!parsed) file.doc = nlohmann::json(nlohmann::json::value_t::discarded);
    if (dom.too_deep) {
        why = "JSON nested deeper than " + std::to_string(max_manifest_nesting) + " levels: not a manifest";
        return false;
    }
    return true;
}

// std::filesystem::path(p).parent_path() for the POSIX paths manifests
// use, as a string: what precedes the last separators ("" for a bare file
// name, "/" for a file at the root).
std::string parent_of(const std::string& p) {
    const auto slash = p.find_last_of('/');
    if (slash == std::string::npos) return {};
    std::size_t end = slash;
    while (end > 0 && p[end - 1] == '/') --end;
    if (end == 0) return p.find_first_not_of('/') == std::string::npos ? p : std::string("/");
    return p.substr(0, end);
}

// `relative` in `folder`, as std::filesystem's `folder / relative` spells it.
std::string in_folder(const std::string& folder, const std::string& relative) {
    if (folder.empty()) return relative;
    if (folder.back() == '/') return folder + relative;
    return folder + "/" + relative;
}

bool is_relative(const std::string& p) { return p.empty() || p.front() != '/'; }

// A *.plugin's code object that is a FIFO or a device (no writer: a 2 s
// wait each, read_file.hpp; or no end) is refused at once instead. Checked
// on the path, while the file is read (not as the loader opens it, as for
// JSON manifests' objects and included manifests): the code is then left
// out of obj_code_list, and its problem stands among the file's other
// problems. A path that does not exist is left to the reader, which says so.
bool exists_but_not_a_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
}

PluginError problem(PluginErrc code, std::string plugin, std::string message) {
    PluginError e;
    e.code = code;
    e.plugin = std::move(plugin);
    e.message = std::move(message);
    return e;
}

// True if `text`, which is not JSON, is one of libxbgp's meta-manifests:
// its first meaningful line is an `include`.
bool is_xbgp_meta_manifest(const std::string& text) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        const auto start = line.find_first_not_of(" \t\r");
        if (start == std::string::npos || line[start] == '#') continue;
        return line.compare(start, 7, "include") == 0;
    }
    return false;
}

// libxbgp's manifest before 2022 (libxbgp 0b2320d; the collection's
// */manifest.json of 2020-2021): one file for every plugin,
//   {"jit_all", "obj_dir", "plugins": {name: {extra_mem, shared_mem, obj_code_list}},
//    "insertion_points": {point: {anchor: {seq: code}}}, "jobs_plugins": {code: {schedule}}}
bool is_xbgp_manifest_2021(const nlohmann::json& doc) {
    return doc.is_object() && doc.contains("plugins") && doc["plugins"].is_object();
}

// The same plugins as *.plugin documents (what the later format splits the
// file into): each code attached and scheduled where the file says, its
// object in obj_dir, every permission granted (the format has none: its
// plugins called every helper). Problems are left to the *.plugin checks.
std::vector<nlohmann::json> split_xbgp_manifest_2021(const nlohmann::json& doc) {
    const std::string obj_dir = doc.contains("obj_dir") && doc["obj_dir"].is_string() ? doc["obj_dir"].get<std::string>() : "";
    // What a point or a job names: a code, or (some of the collection's
    // files) a plugin of one code, which stands for it. -> (plugin, code)
    std::map<std::string, std::pair<std::string, std::string>> named;
    for (const auto& [name, plugin] : doc["plugins"].items()) {
        if (!plugin.is_object() || !plugin.contains("obj_code_list") || !plugin["obj_code_list"].is_object()) continue;
        for (const auto& [code, entry] : plugin["obj_code_list"].items()) named.emplace(code, std::pair{name, code});
        if (plugin["obj_code_list"].size() == 1) named.emplace(name, std::pair{name, plugin["obj_code_list"].begin().key()});
    }
    const auto owned_by = [&](const nlohmann::json& ref, const std::string& plugin) -> std::optional<std::string> {
        if (!ref.is_string()) return std::nullopt;
        const auto it = named.find(ref.get<std::string>());
        if (it == named.end() || it->second.first != plugin) return std::nullopt;
        return it->second.second;
    };
    std::vector<nlohmann::json> out;
    for (const auto& [name, plugin] : doc["plugins"].items()) {
        nlohmann::json p = plugin.is_object() ? plugin : nlohmann::json::object();
        p["name"] = name;
        if (doc.contains("jit_all") && !p.contains("jit_all")) p["jit_all"] = doc["jit_all"];
        if (p.contains("obj_code_list") && p["obj_code_list"].is_object()) {
            for (auto& [code, entry] : p["obj_code_list"].items()) {
                if (!entry.is_object()) continue;
                entry.erase("verifiers");  // the provers' flags
                if (entry.contains("obj") && entry["obj"].is_string() && !obj_dir.empty() && is_relative(entry["obj"].get<std::string>()))
                    entry["obj"] = in_folder(obj_dir, entry["obj"].get<std::string>());
                if (!entry.contains("permissions")) entry["permissions"] = {"read", "write", "usr_ptr"};
            }
        }
        if (doc.contains("insertion_points") && doc["insertion_points"].is_object()) {
            for (const auto& [point, anchors] : doc["insertion_points"].items()) {
                if (!anchors.is_object()) continue;
                for (const auto& [anchor, seqs] : anchors.items()) {
                    if (!seqs.is_object()) continue;
                    for (const auto& [seq, ref] : seqs.items())
                        if (const auto code = owned_by(ref, name)) p["insertion_points"][point][anchor][seq] = *code;
                }
            }
        }
        if (doc.contains("jobs_plugins") && doc["jobs_plugins"].is_object())
            for (const auto& [ref, job] : doc["jobs_plugins"].items())
                if (const auto code = owned_by(nlohmann::json(ref), name)) p["job_plugins"][*code] = job;
        out.push_back(std::move(p));
    }
    return out;
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return s;
}

// One code of obj_code_list, once loaded: where it is attached.
struct XbgpCode {
    std::string plugin, code;      // manifest name, code name
    std::size_t source = SIZE_MAX; // index in the batch
    struct Place {
        PointId point;
        Anchor anchor;
        std::int32_t seq;
    };
    std::vector<Place> places;
    std::optional<std::uint64_t> job_schedule;
};

}  // namespace

// libxbgp's manifests, as its loader reads them (facts from libxbgp and the
// xbgp_plugins collection; see docs/plugins.md, "xBGP manifests"):
//
//   meta-manifest   lines `include <file>` (relative to the meta-manifest's
//                   folder; blank lines and # comments skipped; a file may
//                   include another meta-manifest, never itself);
//   *.plugin        {"name", "jit_all", "extra_mem" (default 4096), "shared_mem"
//                   (default 0), "memory_mgmt", "obj_code_list": {code: {"obj",
//                   "jit", "permissions": [read|write|usr_ptr|none],
//                   "use_libffi", "add_memcheck"}}, "insertion_points":
//                   {point: {pre|replace|post: {seq: code}}}, "job_plugins":
//                   {plugin or code: {"schedule": seconds}}}.
//
// Quirks of real manifests accepted, each with a note: rib_walk's
// "jobs_plugins" and "permission", libxbgp's own tests' "job_plugin":
// {"schedule"} (every code), an "obj" naming the .c source (the .o beside
// it is loaded). A code is compiled as libxbgp decides: its "jit" if it has
// one, else the manifest's "jit_all", else not (the interpreter); and only
// when RuntimeOptions::jit allows (--interpreter interprets every code).
// What is read and not honoured is noted: "use_libffi",
// "add_memcheck" (the verifier and run-time checks always apply),
// "memory_mgmt" (one allocator).
ManifestReport Runtime::load_xbgp_manifests(const std::string& top_path, const detail::ManifestFile& top) noexcept {
    ManifestReport report;
    try {
        std::vector<PluginSource> sources;
        std::vector<XbgpCode> codes;
        std::set<std::string> plugin_names;
        std::vector<std::string> entries;  // "code (point anchor)": files in order, then the JSON objects' sorted keys
        // Each plugin's shared memory is allocated (and zeroed) when its
        // codes load, up to max_heap_size each: without a bound on their
        // sum, an 800-byte manifest of 8 plugins took 512 MiB and one of a
        // few hundred more memory than the machine has.
        constexpr std::uint64_t max_shared_memory_total = std::uint64_t{4} * max_heap_size;  // 256 MiB
        std::uint64_t shared_memory_total = 0;
        auto note = [&](const std::string& text) {
            if (std::find(report.notes.begin(), report.notes.end(), text) == report.notes.end())
                report.notes.push_back(text);
        };
        auto bad = [&](const std::string& who, const std::string& text, PluginErrc code = PluginErrc::bad_manifest) {
            report.problems.push_back(problem(code, who, text));
        };

        // One *.plugin file.
        auto plugin_file = [&](const std::string& path, const nlohmann::json& doc) {
            const std::string where = "manifest '" + path + "'";
            const std::string base = parent_of(path);
            if (!doc.contains("name") || !doc["name"].is_string() || doc["name"].get<std::string>().empty()) {
                bad({}, where + ": missing \"name\" (a non-empty string)");
                return;
            }
            const std::string name = doc["name"].get<std::string>();
            if (!plugin_names.insert(name).second) {
                bad(name, where + ": a plugin of this name is already loaded", PluginErrc::duplicate);
                return;
            }
            // The name is the group: its codes find the group's shared
            // memory by it. A manifest of the name of one loaded earlier
            // (whose programs are alive: the group's memory has owners
            // besides the host's map) would join that group and read its
            // blocks.
            if (const detail::XbgpHost* host = xbgp_host(); host != nullptr) {
                const auto group = host->shared.find(name);
                if (group != host->shared.end() && group->second.use_count() > 1) {
                    bad(name, where + ": a plugin of this name is already loaded by an earlier manifest",
                        PluginErrc::duplicate);
                    return;
                }
            }
            auto memory = [&](const char* key, std::uint64_t fallback, std::uint64_t max) -> std::optional<std::uint32_t> {
                if (!doc.contains(key)) return static_cast<std::uint32_t>(fallback);
                if (!doc[key].is_number_unsigned() || doc[key].get<std::uint64_t>() > max) {
                    bad(name, where + ": \"" + key + "\" must be an integer from 0 to " + std::to_string(max) + " (bytes)");
                    return std::nullopt;
                }
                return static_cast<std::uint32_t>(doc[key].get<std::uint64_t>());
            };
            const auto extra_mem = memory("extra_mem", 4096, max_heap_size);
            const auto shared_mem = memory("shared_mem", 0, max_heap_size);
            if (!extra_mem || !shared_mem) return;
            shared_memory_total += *shared_mem;
            if (shared_memory_total > max_shared_memory_total) {
                bad(name, where + ": \"shared_mem\" of the plugins loaded together passes " +
                              std::to_string(max_shared_memory_total) + " bytes (" + std::to_string(shared_memory_total) +
                              " with this one's)");
                return;
            }
            if (doc.contains("memory_mgmt")) note("\"memory_mgmt\" is read and not honoured (see docs/plugins.md)");
            if (doc.contains("jit_all") && !doc["jit_all"].is_boolean()) {
                bad(name, where + ": \"jit_all\" must be true or false");
                return;
            }
            const bool jit_all = doc.contains("jit_all") && doc["jit_all"].get<bool>();
            if (!doc.contains("obj_code_list") || !doc["obj_code_list"].is_object() || doc["obj_code_list"].empty()) {
                bad(name, where + ": missing \"obj_code_list\" (an object of codes)");
                return;
            }
            std::map<std::string, std::size_t> by_code;  // code name -> index in `codes`
            for (const auto& [code, entry] : doc["obj_code_list"].items()) {
                const std::string who = name + "/" + code;
                if (!entry.is_object() || !entry.contains("obj") || !entry["obj"].is_string()) {
                    bad(who, where + ": code '" + code + "' needs \"obj\" (the object file)");
                    continue;
                }
                std::string object = entry["obj"].get<std::string>();
                if (is_relative(object)) object = in_folder(base, object);
                if (object.ends_with(".c") && std::filesystem::path(object).extension() == ".c") {
                    std::filesystem::path built = object;
                    built.replace_extension(".o");
                    note("code '" + who + "': \"obj\" names the C source '" +
                         std::filesystem::path(object).filename().string() + "'; '" + built.filename().string() +
                         "' is loaded");
                    object = built.string();
                }
                if (exists_but_not_a_file(object)) {
                    bad(who, where + ": code '" + code + "': its object '" + object + "' is not a regular file");
                    continue;
                }
                const char* perm_key = entry.contains("permissions") ? "permissions" : entry.contains("permission") ? "permission" : nullptr;
                std::uint8_t perms = 0;
                bool perms_ok = true;
                if (perm_key != nullptr) {
                    if (std::string(perm_key) == "permission") note("\"permission\" read as \"permissions\"");
                    if (!entry[perm_key].is_array()) {
                        bad(who, where + ": \"" + perm_key + "\" must be an array of read, write, usr_ptr");
                        continue;
                    }
                    for (const auto& word : entry[perm_key]) {
                        const std::string w = word.is_string() ? lower(word.get<std::string>()) : std::string("?");
                        if (w == "read") perms |= permission_read;
                        else if (w == "write") perms |= permission_write;
                        else if (w == "usr_ptr") perms |= permission_usr_ptr;
                        else if (w != "none") {
                            bad(who, where + ": unknown permission " + word.dump() + " (read, write, usr_ptr, none)");
                            perms_ok = false;
                        }
                    }
                }
                if (!perms_ok) continue;
                if (entry.contains("jit") && !entry["jit"].is_boolean()) {
                    bad(who, where + ": \"jit\" must be true or false");
                    continue;
                }
                for (const char* key : {"use_libffi", "add_memcheck"})
                    if (entry.contains(key)) note(std::string("\"") + key + "\" is read and not honoured (see docs/plugins.md)");
                PluginSource src;
                src.object_path = std::move(object);
                src.section = ".text";
                src.name = who;
                src.limits.heap = *extra_mem;
                src.limits.shared_memory = *shared_mem;
                src.abi = PluginAbi::xbgp;
                src.permissions = perms;
                src.group = name;
                src.jit = entry.contains("jit") ? entry["jit"].get<bool>() : jit_all;
                XbgpCode c;
                c.plugin = name;
                c.code = code;
                c.source = sources.size();
                sources.push_back(std::move(src));
                by_code[code] = codes.size();
                codes.push_back(std::move(c));
            }
            const bool has_points = doc.contains("insertion_points");
            if (has_points) {
                if (!doc["insertion_points"].is_object()) {
                    bad(name, where + ": \"insertion_points\" must be an object");
                } else {
                    for (const auto& [point_name, anchors] : doc["insertion_points"].items()) {
                        const PointId point = find_point(point_name);
                        if (!point.valid()) {
                            std::string known;
                            for (const Point& p : points_) known += (known.empty() ? "" : ", ") + p.name;
                            bad(name, where + ": unknown insertion point '" + point_name + "' (this host has: " +
                                          (known.empty() ? "none" : known) + ")", PluginErrc::unknown_point);
                            continue;
                        }
                        if (!anchors.is_object()) {
                            bad(name, where + ": point '" + point_name + "' must map pre/replace/post to codes");
                            continue;
                        }
                        for (const auto& [anchor_name, seqs] : anchors.items()) {
                            Anchor anchor;
                            if (anchor_name == "pre") anchor = Anchor::pre;
                            else if (anchor_name == "replace") anchor = Anchor::replace;
                            else if (anchor_name == "post") anchor = Anchor::post;
                            else {
                                bad(name, where + ": point '" + point_name + "': unknown anchor '" + anchor_name +
                                              "' (pre, replace, post)");
                                continue;
                            }
                            if (!seqs.is_object()) {
                                bad(name, where + ": point '" + point_name + "' " + anchor_name +
                                              ": expected {\"<sequence number>\": \"<code>\"}");
                                continue;
                            }
                            for (const auto& [seq_text, code] : seqs.items()) {
                                std::int32_t seq = 0;
                                try {
                                    std::size_t used = 0;
                                    const long v = std::stol(seq_text, &used);
                                    if (used != seq_text.size() || v < INT32_MIN || v > INT32_MAX) throw std::out_of_range("seq");
                                    seq = static_cast<std::int32_t>(v);
                                } catch (const std::exception&) {
                                    bad(name, where + ": point '" + point_name + "' " + anchor_name +
                                                  ": sequence number '" + seq_text + "' is not a 32-bit integer");
                                    continue;
                                }
                                const std::string code_name = code.is_string() ? code.get<std::string>() : code.dump();
                                auto it = by_code.find(code_name);
                                if (it == by_code.end()) {
                                    std::string known;
                                    for (const auto& [k, v] : by_code) known += (known.empty() ? "" : ", ") + k;
                                    bad(name, where + ": point '" + point_name + "' " + anchor_name + " " + seq_text +
                                                  " names code '" + code_name + "', which obj_code_list does not define (it has: " +
                                                  (known.empty() ? "none" : known) + ")");
                                    continue;
                                }
                                codes[it->second].places.push_back({point, anchor, seq});
                                entries.push_back(code_name + " (" + point_name + " " + anchor_name + ")");
                            }
                        }
                    }
                }
            }
            // Job plugins: "job_plugins" (the documented spelling), rib_walk's
            // "jobs_plugins", libxbgp's tests' "job_plugin": {"schedule": s}.
            const char* job_key = doc.contains("job_plugins") ? "job_plugins" : doc.contains("jobs_plugins") ? "jobs_plugins" : nullptr;
            if (job_key != nullptr && std::string(job_key) == "jobs_plugins") note("\"jobs_plugins\" read as \"job_plugins\"");
            auto schedule_of = [&](const nlohmann::json& j, const std::string& what) -> std::optional<std::uint64_t> {
                if (!j.is_object() || !j.contains("schedule") || !j["schedule"].is_number_unsigned()) {
                    bad(name, where + ": " + what + " needs \"schedule\" (seconds, a non-negative integer)");
                    return std::nullopt;
                }
                return j["schedule"].get<std::uint64_t>();
            };
            auto all_codes = [&](std::uint64_t seconds) {
                for (auto& [k, index] : by_code) codes[index].job_schedule = seconds;
            };
            if (job_key != nullptr) {
                if (!doc[job_key].is_object()) {
                    bad(name, where + ": \"" + job_key + "\" must be an object");
                } else {
                    for (const auto& [job, j] : doc[job_key].items()) {
                        const auto seconds = schedule_of(j, "job '" + job + "'");
                        if (!seconds) continue;
                        if (job == name) all_codes(*seconds);
                        else if (auto it = by_code.find(job); it != by_code.end()) codes[it->second].job_schedule = *seconds;
                        else bad(name, where + ": job '" + job + "' is neither the plugin's name nor one of its codes");
                    }
                }
            } else if (doc.contains("job_plugin")) {
                if (const auto seconds = schedule_of(doc["job_plugin"], "\"job_plugin\"")) all_codes(*seconds);
            }
            if (!has_points && job_key == nullptr && !doc.contains("job_plugin"))
                bad(name, where + ": neither \"insertion_points\" nor \"job_plugins\": nothing to run");
        };

        // A file: a *.plugin, or a meta-manifest (recursively, without
        // cycles); `read` is the file when load_manifest has read it already.
        struct Including {
            dev_t device;
            ino_t inode;
            std::string path;
        };
        std::vector<Including> including;  // the meta-manifests being read, outermost first
        // What one load may read (h-redteam4): a chain of 12,000 includes
        // overflowed the host's stack (a recursive call per level), and 8
        // levels of 10 includes of the next level (no cycle) meant 10^8
        // files read, a load that never ends.
        // So do 1024 files of up to 16 MiB each: a 19 KB meta-manifest
        // including one 16 MiB file 1024 times took 107 s to load (16 GiB
        // read and parsed); what one load reads is bounded too.
        constexpr std::size_t max_include_depth = 32;
        constexpr std::size_t max_manifest_files = 1024;
        constexpr std::size_t max_manifest_bytes = 4 * detail::max_text_file_bytes;  // 64 MiB
        std::size_t files_read = 0;
        std::size_t bytes_read = top.text.size();
        std::function<void(const std::string&, const detail::ManifestFile*)> file =
            [&](const std::string& path, const detail::ManifestFile* read) {
            const std::string where = "manifest '" + path + "'";
            detail::ManifestFile own;
            if (read == nullptr) {
                if (including.size() >= max_include_depth) {
                    bad({}, where + ": includes nested deeper than " + std::to_string(max_include_depth));
                    return;
                }
                if (++files_read > max_manifest_files) {
                    if (files_read == max_manifest_files + 1)
                        bad({}, where + ": more than " + std::to_string(max_manifest_files) +
                                    " manifest files read in one load (the same files included again and again?)");
                    return;
                }
                if (bytes_read > max_manifest_bytes) return;  // said when it was passed
                std::string why;
                const bool readable = read_manifest(path, own, why, detail::AcceptedFiles::regular_only);
                bytes_read += own.text.size();  // what a file too large cost too
                if (bytes_read > max_manifest_bytes) {
                    bad({}, where + ": the manifest files of one load pass " + std::to_string(max_manifest_bytes) +
                                " bytes (the same files included again and again?)");
                    return;
                }
                if (!readable) {
                    bad({}, where + ": " + why);
                    return;
                }
                read = &own;
            }
            if (std::any_of(including.begin(), including.end(), [&](const Including& i) {
                    return i.device == read->device && i.inode == read->inode;
                })) {
                bad({}, where + ": includes itself" +
                            (including.size() > 1
                                 ? " (through " + std::filesystem::path(including.back().path).filename().string() + ")"
                                 : std::string()));
                return;
            }
            const nlohmann::json& doc = read->doc;
            if (!doc.is_discarded()) {
                if (is_xbgp_manifest_2021(doc)) {
                    note("manifest '" + path + "': libxbgp's format before 2022, read as one *.plugin per plugin "
                         "with every permission granted");
                    for (const nlohmann::json& plugin : split_xbgp_manifest_2021(doc)) plugin_file(path, plugin);
                    return;
                }
                if (!doc.is_object() || !doc.contains("obj_code_list")) {
                    bad({}, where + ": not an xBGP plugin manifest (no \"obj_code_list\")");
                    return;
                }
                plugin_file(path, doc);
                return;
            }
            including.push_back(Including{read->device, read->inode, path});
            const std::string folder = parent_of(path);
            std::istringstream lines(read->text);
            std::size_t number = 0;
            for (std::string line; std::getline(lines, line);) {
                ++number;
                const auto start = line.find_first_not_of(" \t\r");
                if (start == std::string::npos || line[start] == '#') continue;
                const auto end = line.find_last_not_of(" \t\r");
                const std::string content = line.substr(start, end - start + 1);
                if (content.compare(0, 7, "include") != 0 || content.size() < 9 || (content[7] != ' ' && content[7] != '\t')) {
                    bad({}, where + ", line " + std::to_string(number) + ": expected 'include <file>', found '" + content + "'");
                    continue;
                }
                const std::string target = content.substr(content.find_first_not_of(" \t", 7));
                file(is_relative(target) ? in_folder(folder, target) : target, nullptr);
            }
            including.pop_back();
        };
        file(top_path, &top);

        // Every code of every file in one batch; attached only if all is well.
        std::vector<LoadResult> loaded = load_batch(sources);
        if (loaded.size() != sources.size()) throw std::bad_alloc();
        for (const LoadResult& r : loaded)
            if (!r) report.problems.push_back(r.error());
        if (!report.problems.empty()) return report;
        // All or nothing: an attach that fails (a point's limit of replace
        // plugins, those of earlier loads included; out of memory) undoes
        // those before it. The undo list is reserved first, so that
        // recording what was attached cannot fail.
        std::size_t places = 0;
        for (const XbgpCode& c : codes) places += c.places.size();
        std::vector<std::pair<PointId, const Program*>> done;  // what was attached, to undo
        done.reserve(places);
        std::vector<JobPlugin> jobs;
        jobs.reserve(codes.size());
        for (const XbgpCode& c : codes) {
            const ProgramPtr& program = loaded[c.source].value();
            for (const XbgpCode::Place& place : c.places) {
                PluginStatus s = attach(place.point, program, place.anchor, place.seq);
                if (!s) {
                    report.problems.push_back(s.error);
                    break;
                }
                done.emplace_back(place.point, program.get());
                ++report.attached;
            }
            if (!report.problems.empty()) break;
            if (c.job_schedule) jobs.push_back(JobPlugin{c.plugin, c.code, program, *c.job_schedule});
        }
        if (!report.problems.empty()) {
            // By program, not by name: a plugin of the same name attached
            // by an earlier load stays.
            for (const auto& [point, program] : done) detach_program(point, program);
            report.attached = 0;
            return report;
        }
        for (JobPlugin& j : jobs) jobs_.push_back(std::move(j));
        report.entries = std::move(entries);
    } catch (const std::exception& e) {
        report.problems.push_back(problem(PluginErrc::internal, {}, std::string("manifest: ") + e.what()));
    }
    return report;
}

ManifestReport Runtime::load_manifest(const std::string& path) noexcept {
    ManifestReport report;
    try {
        const std::string where = "manifest '" + path + "'";
        detail::ManifestFile file;
        if (std::string why; !read_manifest(path, file, why)) {
            report.problems.push_back(problem(PluginErrc::bad_manifest, {}, where + ": " + why));
            return report;
        }
        const nlohmann::json& doc = file.doc;
        // libxbgp's manifests: a *.plugin object (obj_code_list) or a
        // meta-manifest (include lines, not JSON).
        if (doc.is_discarded() ? is_xbgp_meta_manifest(file.text)
                               : doc.is_object() && (doc.contains("obj_code_list") || is_xbgp_manifest_2021(doc)))
            return load_xbgp_manifests(path, file);
        if (doc.is_discarded()) {
            // Parsed again, only to name what is wrong: a syntax error
            // (parse_error) or a number too large for a double
            // (out_of_range 406, "1e400"; manifest_fuzz: it went to the
            // catch below, an internal error without the file's name).
            std::string why = "not valid JSON";
            try {
                const nlohmann::json throws = nlohmann::json::parse(file.text);
            } catch (const nlohmann::json::exception& e) {
                why += std::string(" (") + e.what() + ")";
            }
            report.problems.push_back(problem(PluginErrc::bad_manifest, {}, where + ": " + why));
            return report;
        }
        if (!doc.is_object() || !doc.contains("plugins") || !doc["plugins"].is_array()) {
            report.problems.push_back(
                problem(PluginErrc::bad_manifest, {}, where + ": expected an object with a \"plugins\" array"));
            return report;
        }

        const std::string base = parent_of(path);
        struct Pending {
            PointId point;
            std::int32_t order;
            std::string entry;  // "name (point)", for ManifestReport::entries
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
            if (const auto found = entry.find("name"); found != entry.end() && found->is_string()) name = found->get<std::string>();
            // The non-empty string at `key`, or nullopt with the problem
            // reported; "" if the key is missing and not `required`. Looked
            // up once and copied once (contains(), two operator[] and two
            // copies took 1,200 instructions a call).
            auto text = [&](const char* key, bool required) -> std::optional<std::string> {
                const auto found = entry.find(key);
                if (found == entry.end()) {
                    if (!required) return std::string();
                    report.problems.push_back(
                        problem(PluginErrc::bad_manifest, name, std::string("missing \"") + key + "\""));
                    return std::nullopt;
                }
                const auto* value = found->get_ptr<const std::string*>();
                if (value == nullptr || value->empty()) {
                    report.problems.push_back(
                        problem(PluginErrc::bad_manifest, name, std::string("\"") + key + "\" must be a non-empty string"));
                    return std::nullopt;
                }
                return *value;
            };
            auto plugin_name = text("name", true);
            auto object = text("object", true);
            auto section = text("section", false);
            if (section && section->empty()) *section = "plugin/" + name;
            auto point_name = text("point", true);
            std::int32_t order = 0;
            if (const auto found = entry.find("order"); found != entry.end()) {
                // An unsigned number is compared as one: 18446744073709551615
                // read as an int64 is -1, which passed for an order.
                const nlohmann::json& o = *found;
                const bool fits = o.is_number_unsigned() ? o.get<std::uint64_t>() <= INT32_MAX
                                                         : o.is_number_integer() && o.get<std::int64_t>() >= INT32_MIN &&
                                                               o.get<std::int64_t>() <= INT32_MAX;
                if (!fits) {
                    report.problems.push_back(problem(PluginErrc::bad_manifest, name, "\"order\" must be a 32-bit integer"));
                    continue;
                }
                order = static_cast<std::int32_t>(o.get<std::int64_t>());
            }
            // The plugin's own limits: non-negative integers, bytes.
            PluginLimits limits;
            bool limits_ok = true;
            auto limit = [&](const char* key, std::uint64_t max) -> std::optional<std::uint64_t> {
                const auto found = entry.find(key);
                if (found == entry.end()) return std::nullopt;
                const nlohmann::json& v = *found;
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
            const std::string object_path = is_relative(*object) ? in_folder(base, *object) : *object;
            pending.push_back(Pending{point, order, *plugin_name + " (" + *point_name + ")"});
            sources.push_back(PluginSource{object_path, *section, name, limits});
            problem_slot.push_back(report.problems.size());
        }

        // All the plugins in one batch; an object that is not a regular file
        // is refused as it is opened.
        std::vector<LoadResult> loaded = load_impl(sources, true, detail::AcceptedFiles::regular_only);
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
            report.entries.push_back(p.entry);
        }
    } catch (const std::exception& e) {
        report.problems.push_back(problem(PluginErrc::internal, {}, std::string("manifest: ") + e.what()));
    }
    return report;
}

}  // namespace mempool
