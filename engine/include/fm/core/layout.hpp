// Layout inspector: for a struct described by a list of its members (name + member pointer, no macros) it
// reports size, alignment, each field's offset and the padding in front of it, the total padding, and the
// size the struct would have with its fields sorted by alignment (largest first).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>
#include <numeric>
#include <string_view>

#include "fm/core/align.hpp"

namespace fm {

// One member of T, as given to inspect_layout.
template <class T, class M>
struct Field {
  std::string_view name;
  M T::*member;
};

template <class T, class M>
[[nodiscard]] constexpr Field<T, M> field(std::string_view name, M T::*member) noexcept {
  return {name, member};
}

struct FieldLayout {
  std::string_view name;
  std::size_t offset = 0;
  std::size_t size = 0;
  std::size_t align = 0;
  std::size_t padding_before = 0;  // bytes between the previous field's end and this field
};

template <std::size_t N>
struct Layout {
  std::size_t size = 0;            // sizeof(T)
  std::size_t align = 0;           // alignof(T)
  std::size_t padding = 0;         // sizeof(T) minus the sum of the described fields' sizes
  std::size_t tail_padding = 0;    // bytes after the last field
  std::size_t reordered_size = 0;  // sizeof(T) with fields sorted by alignment, largest first
  std::array<FieldLayout, N> fields{};         // in address order
  std::array<std::size_t, N> reordered_order{};  // indices into `fields`, in the suggested order
};

namespace detail {
// Storage for a T that is never constructed: member addresses are computed from it, nothing is read.
template <class T>
union Uninitialized {
  Uninitialized() noexcept : none() {}
  ~Uninitialized() {}
  char none;
  T object;
};
}  // namespace detail

// The fields must be T's data members (the inspector does not see members left out of the list; they count
// as padding). T need not be default-constructible: no T is ever created.
template <class T, class... Ms>
[[nodiscard]] Layout<sizeof...(Ms)> inspect_layout(Field<T, Ms>... fields) {
  constexpr std::size_t n = sizeof...(Ms);
  static detail::Uninitialized<T> probe;
  const auto* base = reinterpret_cast<const std::byte*>(std::addressof(probe.object));
  Layout<n> layout{.size = sizeof(T), .align = alignof(T)};
  std::size_t i = 0;
  ((layout.fields[i++] = FieldLayout{
        .name = fields.name,
        .offset = static_cast<std::size_t>(
            reinterpret_cast<const std::byte*>(std::addressof(probe.object.*fields.member)) - base),
        .size = sizeof(Ms),
        .align = alignof(Ms),
    }),
   ...);
  std::sort(layout.fields.begin(), layout.fields.end(),
            [](const FieldLayout& a, const FieldLayout& b) { return a.offset < b.offset; });

  std::size_t end = 0;
  std::size_t used = 0;
  for (FieldLayout& f : layout.fields) {
    f.padding_before = f.offset - std::min(end, f.offset);
    end = f.offset + f.size;
    used += f.size;
  }
  layout.padding = sizeof(T) - used;
  layout.tail_padding = sizeof(T) - end;

  std::iota(layout.reordered_order.begin(), layout.reordered_order.end(), std::size_t{0});
  std::stable_sort(layout.reordered_order.begin(), layout.reordered_order.end(),
                   [&](std::size_t a, std::size_t b) { return layout.fields[a].align > layout.fields[b].align; });
  std::size_t packed = 0;
  for (std::size_t k : layout.reordered_order) packed = align_up(packed, layout.fields[k].align) + layout.fields[k].size;
  layout.reordered_size = align_up(packed, alignof(T));
  return layout;
}

}  // namespace fm
