// read_ahead.hpp: a ByteSource that runs another one on a thread of its own,
// so that decompressing a file and decoding its records overlap.
//
// Inflating gzip or bzip2 and decoding MRT records only meet where the bytes
// change hands, so on two cores they can run side by side and a replay need
// not take the sum of both. A reader thread fills blocks of `block_size`
// bytes from the inner source and queues them; read() hands out the bytes of
// the oldest block. At most `depth` blocks exist at once (the reader waits for
// a free one), so memory stays at depth x block_size whatever the file size.
//
// The bytes come out exactly as the inner source produced them, in order. An
// error of the inner source travels in its block: the bytes before it come
// out first, then read() returns -1 (and keeps returning it) with the inner
// source's message in error(). consumed() counts the compressed bytes behind
// the blocks already handed out, so a progress bar never runs ahead of the
// decoder. Destroying the source, at the end, after an error or early, tells
// the thread to stop and joins it; the thread never touches the source's
// members other than through the queue, and the inner source only from the
// thread.
//
//   std::unique_ptr<ByteSource> src = read_ahead(std::move(gzip), 1 << 20, 4);
//   std::ptrdiff_t n;
//   while ((n = src->read(buf, sizeof buf)) > 0) decode(buf, n);
//   if (n < 0) report(src->error());
#pragma once

#include <cstddef>
#include <memory>

#include "byte_source.hpp"

namespace mempool::bgp {

// Wraps `inner` in a reader thread. If the thread cannot be started (or
// memory for it is short), returns `inner` itself: reading still works, only
// without the overlap.
[[nodiscard]] std::unique_ptr<ByteSource> read_ahead(std::unique_ptr<ByteSource> inner, std::size_t block_size,
                                                     std::size_t depth);

}  // namespace mempool::bgp
