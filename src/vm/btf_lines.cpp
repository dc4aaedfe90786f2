// btf_lines.cpp: reading the line_info part of .BTF.ext (see btf_lines.hpp).
//
// Layouts (all little-endian, as the object is):
//   .BTF      u16 magic 0xeb9f, u8 version 1, u8 flags, u32 hdr_len,
//             u32 type_off, u32 type_len, u32 str_off, u32 str_len;
//             offsets count from the end of the header.
//   .BTF.ext  u16 magic, u8 version 1, u8 flags, u32 hdr_len,
//             u32 func_info_off, u32 func_info_len, u32 line_info_off,
//             u32 line_info_len, ...; offsets count from the end of the header.
//   line_info u32 record size, then per section: u32 section name (.BTF
//             string), u32 record count, records of `record size` bytes:
//             u32 insn byte offset, u32 file name, u32 source text,
//             u32 line << 10 | column.
#include "btf_lines.hpp"

#include "elf_file.hpp"  // load_le*, range_fits

#include <algorithm>
#include <cstring>

namespace mempool::detail {
namespace {

constexpr std::uint16_t btf_magic = 0xeb9f;
constexpr std::uint32_t btf_header_size = 24, ext_header_min = 24, line_record_min = 16;

struct Strings {
    std::span<const std::uint8_t> bytes;
    [[nodiscard]] bool get(std::uint32_t offset, std::string_view& out) const noexcept {
        if (offset >= bytes.size()) return false;
        const auto* begin = bytes.data() + offset;
        const void* nul = std::memchr(begin, 0, bytes.size() - offset);
        if (nul == nullptr) return false;
        out = std::string_view(reinterpret_cast<const char*>(begin),
                               static_cast<std::size_t>(static_cast<const std::uint8_t*>(nul) - begin));
        return true;
    }
};

}  // namespace

bool BtfLines::read(std::span<const std::uint8_t> btf, std::span<const std::uint8_t> ext, std::string& why) {
    sections_.clear();
    auto fail = [&](const char* reason) {
        why = reason;
        sections_.clear();
        return false;
    };
    // .BTF: only the string table is needed.
    if (btf.size() < btf_header_size) return fail(".BTF is shorter than its header");
    if (load_le16(btf.data()) != btf_magic || btf[2] != 1) return fail(".BTF has a bad magic number or version");
    const std::uint32_t hdr_len = load_le32(btf.data() + 4);
    if (hdr_len < btf_header_size || hdr_len > btf.size()) return fail(".BTF header length out of range");
    const std::uint64_t str_off = std::uint64_t{hdr_len} + load_le32(btf.data() + 16);
    const std::uint32_t str_len = load_le32(btf.data() + 20);
    if (!range_fits(str_off, str_len, btf.size())) return fail(".BTF string table lies outside the section");
    const Strings strings{btf.subspan(static_cast<std::size_t>(str_off), str_len)};

    // .BTF.ext: the line_info block.
    if (ext.size() < ext_header_min) return fail(".BTF.ext is shorter than its header");
    if (load_le16(ext.data()) != btf_magic || ext[2] != 1) return fail(".BTF.ext has a bad magic number or version");
    const std::uint32_t ext_hdr_len = load_le32(ext.data() + 4);
    if (ext_hdr_len < ext_header_min || ext_hdr_len > ext.size()) return fail(".BTF.ext header length out of range");
    const std::uint64_t line_off = std::uint64_t{ext_hdr_len} + load_le32(ext.data() + 16);
    const std::uint32_t line_len = load_le32(ext.data() + 20);
    if (!range_fits(line_off, line_len, ext.size())) return fail(".BTF.ext line_info lies outside the section");
    if (line_len == 0) return true;
    const std::span<const std::uint8_t> info = ext.subspan(static_cast<std::size_t>(line_off), line_len);
    if (info.size() < 4) return fail(".BTF.ext line_info has no record size");
    const std::uint32_t record_size = load_le32(info.data());
    if (record_size < line_record_min || record_size > info.size())
        return fail(".BTF.ext line_info record size out of range");
    std::uint64_t at = 4;
    while (at < info.size()) {
        if (!range_fits(at, 8, info.size())) return fail(".BTF.ext line_info section header truncated");
        std::string_view section;
        if (!strings.get(load_le32(info.data() + at), section)) return fail(".BTF.ext section name outside .BTF strings");
        const std::uint32_t count = load_le32(info.data() + at + 4);
        at += 8;
        // count * record_size: both below 2^32, so the product fits in 64 bits.
        if (!range_fits(at, std::uint64_t{count} * record_size, info.size()))
            return fail(".BTF.ext line_info records run past the section");
        std::vector<BtfLine>& lines = sections_[section];
        lines.reserve(lines.size() + count);
        for (std::uint32_t i = 0; i < count; ++i, at += record_size) {
            const std::uint8_t* r = info.data() + at;
            const std::uint32_t insn_off = load_le32(r);
            if (insn_off % 8 != 0) return fail(".BTF.ext line record not aligned to an instruction");
            BtfLine line;
            line.insn = insn_off / 8;
            if (!strings.get(load_le32(r + 4), line.file)) return fail(".BTF.ext file name outside .BTF strings");
            const std::uint32_t line_col = load_le32(r + 12);
            line.line = line_col >> 10;
            line.column = line_col & 0x3ffu;
            lines.push_back(line);
        }
    }
    for (auto& [name, lines] : sections_)
        std::stable_sort(lines.begin(), lines.end(), [](const BtfLine& a, const BtfLine& b) { return a.insn < b.insn; });
    return true;
}

std::span<const BtfLine> BtfLines::section(std::string_view name) const noexcept {
    const auto it = sections_.find(name);
    if (it == sections_.end()) return {};
    return it->second;
}

}  // namespace mempool::detail
