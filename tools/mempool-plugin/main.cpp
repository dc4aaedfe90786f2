// mempool-plugin: check plugin objects before deploying them.
//
//   mempool-plugin verify OBJECT [--section NAME]... [--interpreter] [--timeout MS]
//       Validates each section (default: every code section) against the
//       runtime's helper set, as the runtime would at load time (in a forked
//       child with a time limit). Prints "ok" or "SECTION: reason" per
//       section; exit status 0 if all are good, 1 otherwise.
//   mempool-plugin list OBJECT
//       Prints each code section and the helpers it calls, marking those the
//       runtime does not provide.
#include <mempool/runtime.hpp>

#include "elf_object.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace {

int verify(const std::string& object, std::vector<std::string> sections, bool interpreter, int timeout_ms) {
    mempool::RuntimeOptions options;
    options.jit = !interpreter;
    options.validation_timeout = std::chrono::milliseconds(timeout_ms);
    mempool::Runtime rt(options);

    if (sections.empty()) {
        mempool::detail::ElfObject elf;
        mempool::PluginError err;
        if (!elf.open(object, err)) {
            std::printf("%s\n", err.message.c_str());
            return 1;
        }
        sections = elf.code_sections();
        if (sections.empty()) {
            std::printf("'%s' has no code section\n", object.c_str());
            return 1;
        }
    }
    bool all_ok = true;
    for (const std::string& section : sections) {
        mempool::PluginStatus s = rt.verify(object, section);
        if (s) {
            std::printf(sections.size() == 1 ? "ok\n" : "%s: ok\n", section.c_str());
        } else {
            all_ok = false;
            std::printf("%s: %s\n", section.c_str(), s.error.message.c_str());
        }
    }
    return all_ok ? 0 : 1;
}

int list(const std::string& object) {
    mempool::detail::ElfObject elf;
    mempool::PluginError err;
    if (!elf.open(object, err)) {
        std::printf("%s\n", err.message.c_str());
        return 1;
    }
    mempool::Runtime rt;
    std::vector<std::string> known;
    for (const mempool::HelperSpec& h : rt.helpers()) known.push_back(h.name);
    for (const std::string& section : elf.code_sections()) {
        std::printf("%s (%zu instructions)\n", section.c_str(), elf.instructions(section).size());
        for (const std::string& h : elf.helpers_called(section)) {
            const bool provided = std::find(known.begin(), known.end(), h) != known.end();
            std::printf("  %s%s\n", h.c_str(), provided ? "" : "  (not provided by the runtime)");
        }
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Check mempool eBPF plugin objects"};
    app.require_subcommand(1);

    std::string object;
    std::vector<std::string> sections;
    bool interpreter = false;
    int timeout_ms = 10000;
    CLI::App* v = app.add_subcommand("verify", "validate plugin sections; prints ok or the reason");
    v->add_option("OBJECT", object, "plugin object (.o)")->required();
    v->add_option("--section", sections, "section to check (repeatable; default: all)");
    v->add_flag("--interpreter", interpreter, "validate for the interpreter (no JIT)");
    v->add_option("--timeout", timeout_ms, "validation time limit in ms")->check(CLI::PositiveNumber);

    std::string list_object;
    CLI::App* l = app.add_subcommand("list", "show sections and the helpers each calls");
    l->add_option("OBJECT", list_object, "plugin object (.o)")->required();

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    if (*v) return verify(object, sections, interpreter, timeout_ms);
    return list(list_object);
}
