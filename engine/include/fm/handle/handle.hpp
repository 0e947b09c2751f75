// fm::Handle<T>: a generational reference (32-bit slot index + 32-bit generation; generation 0 is null).
// Trivially copyable, hashable, comparable and printable ("particle#12@3"); a pool resolves it to the
// object it was issued for, or to nothing once that object is gone.
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
  constexpr Handle() noexcept = default;
  constexpr Handle(std::uint32_t index, std::uint32_t generation) noexcept : index_(index), generation_(generation) {}

  [[nodiscard]] constexpr std::uint32_t index() const noexcept { return index_; }
  [[nodiscard]] constexpr std::uint32_t generation() const noexcept { return generation_; }
  [[nodiscard]] constexpr bool is_null() const noexcept { return generation_ == 0; }
  [[nodiscard]] constexpr explicit operator bool() const noexcept { return generation_ != 0; }

  // Both halves in one integer (generation high), for hashing, serialization and id maps.
  [[nodiscard]] constexpr std::uint64_t bits() const noexcept {
    return (std::uint64_t{generation_} << 32) | index_;
  }
  [[nodiscard]] static constexpr Handle from_bits(std::uint64_t bits) noexcept {
    return Handle(static_cast<std::uint32_t>(bits), static_cast<std::uint32_t>(bits >> 32));
  }

  friend constexpr bool operator==(Handle, Handle) noexcept = default;
  friend constexpr auto operator<=>(Handle, Handle) noexcept = default;

 private:
  std::uint32_t index_ = 0;
  std::uint32_t generation_ = 0;
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
