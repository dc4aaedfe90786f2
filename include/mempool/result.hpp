// mempool/result.hpp: the result type of every fallible call of the C++ API.
//
// A `Result<T>` holds either a `T` or an `Error`; `Status` (`Result<void>`)
// holds nothing or an `Error`. They are `[[nodiscard]]`, so a failed insert
// cannot be dropped by accident, and nothing is ever thrown:
//
//   mempool::Pool pool;
//   if (auto s = pool.put<std::uint32_t>(7, 42); !s)
//       std::fprintf(stderr, "put: %s\n", mempool::to_string(s.error()));
//   auto v = pool.get<std::uint32_t>(7);   // Result<std::uint32_t>
//   if (v.error() == mempool::Error::missing) { ... }
//
// Calling `value()` on an error is a programming error (asserted in debug
// builds); use `value_or()` where a default is fine.
#pragma once

#include <cassert>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace mempool {

enum class Error : std::uint8_t {
    none = 0,
    missing,           // the key is not in the pool
    wrong_kind,        // the key holds another kind (value, reference, list)
    wrong_size,        // the value or element has another length than asked
    exists,            // add on a key that already exists
    invalid_argument,  // null pointer or zero length
    out_of_memory,     // an allocation failed; the pool is unchanged
};

[[nodiscard]] constexpr const char* to_string(Error e) noexcept {
    switch (e) {
    case Error::none: return "no error";
    case Error::missing: return "key not found";
    case Error::wrong_kind: return "key holds another kind of entry";
    case Error::wrong_size: return "value has another length";
    case Error::exists: return "key already exists";
    case Error::invalid_argument: return "invalid argument";
    case Error::out_of_memory: return "out of memory";
    }
    return "unknown error";
}

template <class T>
class [[nodiscard]] Result {
    static_assert(std::is_nothrow_move_constructible_v<T>);

public:
    constexpr Result(T value) noexcept : value_(std::move(value)), error_(Error::none) {}
    constexpr Result(Error error) noexcept : value_(), error_(error) {
        assert(error != Error::none);
    }

    [[nodiscard]] constexpr bool has_value() const noexcept { return error_ == Error::none; }
    constexpr explicit operator bool() const noexcept { return has_value(); }
    [[nodiscard]] constexpr Error error() const noexcept { return error_; }

    [[nodiscard]] constexpr const T& value() const& noexcept {
        assert(has_value());
        return value_;
    }
    [[nodiscard]] constexpr T& value() & noexcept {
        assert(has_value());
        return value_;
    }
    [[nodiscard]] constexpr T value_or(T fallback) const noexcept {
        return has_value() ? value_ : fallback;
    }
    constexpr const T& operator*() const noexcept { return value(); }
    constexpr const T* operator->() const noexcept { return &value(); }

private:
    T value_;  // default-constructed on error: T must be cheap to build
    Error error_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    constexpr Result() noexcept = default;
    constexpr Result(Error error) noexcept : error_(error) {}

    [[nodiscard]] constexpr bool has_value() const noexcept { return error_ == Error::none; }
    constexpr explicit operator bool() const noexcept { return has_value(); }
    [[nodiscard]] constexpr Error error() const noexcept { return error_; }

private:
    Error error_ = Error::none;
};

using Status = Result<void>;

}  // namespace mempool
