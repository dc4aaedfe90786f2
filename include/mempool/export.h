/* mempool/export.h: marks the functions the shared library exports.
 * The library is built with hidden visibility; only what carries
 * MEMPOOL_API is part of its ABI. */
#ifndef MEMPOOL_EXPORT_H
#define MEMPOOL_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define MEMPOOL_API __attribute__((visibility("default")))
#else
#define MEMPOOL_API
#endif

/* C++ callers see that no C API function throws. */
#ifdef __cplusplus
#define MEMPOOL_NOEXCEPT noexcept
#else
#define MEMPOOL_NOEXCEPT
#endif

#endif /* MEMPOOL_EXPORT_H */
