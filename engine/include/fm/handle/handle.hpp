// fm::Handle<T>: a generational reference in 8 bytes: a 32-bit slot index, a 24-bit generation (0 is null)
// and the 8-bit tag of the pool that issued it. Trivially copyable, hashable, comparable and printable
// ("particle#12@3"); its pool resolves it to the object it was issued for, or to nothing once that is gone.
#pragma once

#include <charconv>
#include <compare>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>

#include "fm/config.hpp"

namespace fm {

namespace detail {
template <class T>
concept NamesItsHandles = requires {
  { T::handle_name } -> std::convertible_to<std::string_view>;
};
}  // namespace detail

// The label a Handle<T> prints with: `T::handle_name` when T declares one, else "handle". Specialize it for
// types you cannot change.
template <class T>
struct HandleLabel {
  static constexpr std::string_view value() noexcept {
    if constexpr (detail::NamesItsHandles<T>) {
      return T::handle_name;
    } else {
      return "handle";
    }
  }
};

template <class T>
class Handle {
 public:
  static constexpr unsigned generation_bits = 24;
  static constexpr std::uint32_t max_generation = (std::uint32_t{1} << generation_bits) - 1;

  constexpr Handle() noexcept = default;
  // `generation` keeps its low 24 bits. `pool` is the issuing pool's tag; a handle made by hand has tag 0,
  // which no pool issues.
  constexpr Handle(std::uint32_t index, std::uint32_t generation, std::uint8_t pool = 0) noexcept
      : index_(index), stamp_((std::uint32_t{pool} << generation_bits) | (generation & max_generation)) {}

  [[nodiscard]] constexpr std::uint32_t index() const noexcept { return index_; }
  [[nodiscard]] constexpr std::uint32_t generation() const noexcept { return stamp_ & max_generation; }
  [[nodiscard]] constexpr std::uint8_t pool() const noexcept {
    return static_cast<std::uint8_t>(stamp_ >> generation_bits);
  }
  [[nodiscard]] constexpr bool is_null() const noexcept { return generation() == 0; }
  [[nodiscard]] constexpr explicit operator bool() const noexcept { return !is_null(); }

  // The whole handle in one integer (pool and generation high, index low), for hashing, serialization and
  // id maps.
  [[nodiscard]] constexpr std::uint64_t bits() const noexcept { return (std::uint64_t{stamp_} << 32) | index_; }
  [[nodiscard]] static constexpr Handle from_bits(std::uint64_t bits) noexcept {
    const auto stamp = static_cast<std::uint32_t>(bits >> 32);
    return Handle(static_cast<std::uint32_t>(bits), stamp, static_cast<std::uint8_t>(stamp >> generation_bits));
  }

  friend constexpr bool operator==(Handle, Handle) noexcept = default;
  friend constexpr auto operator<=>(Handle, Handle) noexcept = default;

 private:
  std::uint32_t index_ = 0;
  std::uint32_t stamp_ = 0;  // pool tag << 24 | generation
};

// Longest text a handle prints as, for fixed buffers: label + "#" + index + "@" + generation.
template <class T>
inline constexpr std::size_t handle_text_max = HandleLabel<T>::value().size() + 2 + 2 * 10;

// Writes "label#index@generation" ("label#null" for a null handle) without allocating; returns the end,
// or nullptr when [first, last) is too small.
template <class T>
char* to_chars(char* first, char* last, Handle<T> h) noexcept {
  const std::string_view label = HandleLabel<T>::value();
  const std::string_view null_text = "#null";
  if (static_cast<std::size_t>(last - first) < label.size() + (h ? 1 : null_text.size())) return nullptr;
  std::memcpy(first, label.data(), label.size());
  first += label.size();
  if (!h) {
    std::memcpy(first, null_text.data(), null_text.size());
    return first + null_text.size();
  }
  *first++ = '#';
  auto r = std::to_chars(first, last, h.index());
  if (r.ec != std::errc{} || r.ptr == last) return nullptr;
  *r.ptr++ = '@';
  r = std::to_chars(r.ptr, last, h.generation());
  return r.ec == std::errc{} ? r.ptr : nullptr;
}

template <class T>
[[nodiscard]] std::string to_string(Handle<T> h) {
  char buffer[handle_text_max<T>];
  return std::string(buffer, to_chars(buffer, buffer + sizeof buffer, h));
}

template <class T>
std::ostream& operator<<(std::ostream& os, Handle<T> h) {
  return os << to_string(h);
}

}  // namespace fm

template <class T>
struct std::hash<fm::Handle<T>> {
  // splitmix64 finalizer: index and generation both reach every output bit.
  std::size_t operator()(fm::Handle<T> h) const noexcept {
    std::uint64_t x = h.bits() + 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return static_cast<std::size_t>(x ^ (x >> 31));
  }
};
