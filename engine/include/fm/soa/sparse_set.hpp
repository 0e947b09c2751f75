// fm::SparseSet<T, Cs...>: maps Handle<T> to a dense row of SoA columns, EnTT-style. The sparse side is
// indexed by the handle's slot index (pages from an fm allocator); the dense side is an SoA whose first
// column holds the handles, kept dense by swap-remove, so lookups are O(1) and systems iterate arrays.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <utility>

#include "fm/core/allocator.hpp"
#include "fm/core/error.hpp"
#include "fm/core/move_assign.hpp"
#include "fm/handle/handle.hpp"
#include "fm/handle/page_table.hpp"
#include "fm/soa/soa.hpp"

namespace fm {

template <class T, class... Cs>
class SparseSet {
 public:
  static constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();

  // Without an allocator both sides come from the dense side's own fm::NewAllocator.
  SparseSet() : SparseSet(AllocatorRef{}) {}
  explicit SparseSet(AllocatorRef alloc) : rows_(alloc, "sparse set"), sparse_(rows_.allocator()) {}
  SparseSet(const SparseSet&) = delete;
  SparseSet& operator=(const SparseSet&) = delete;
  // Moving hands both sides over; rows and components stay where they are, so row numbers and references stay
  // good. The moved-from set is empty (size 0, contains nothing) and may be used again. Assigning over a set
  // destroys its rows and gives its memory back first.
  SparseSet(SparseSet&& other) noexcept
      : rows_(std::move(other.rows_)),
        sparse_(std::move(other.sparse_), rows_.allocator()),
        addressable_(std::exchange(other.addressable_, 0)) {}
  SparseSet& operator=(SparseSet&& other) noexcept { return detail::move_assign(*this, std::move(other)); }

  // Adds a row for `h`; returns it. Throws fm::error when `h` is null or its slot index already has a
  // row (an older generation not erased counts too), allocator errors when growing; the set is untouched.
  std::size_t emplace(Handle<T> h, Cs... components) {
    check_insertable(h);
    make_addressable(h.index(), true);
    const std::size_t r = rows_.push_back(h, std::move(components)...);
    sparse_[h.index()] = static_cast<std::uint32_t>(r);
    return r;
  }
  // As emplace(), but false instead of throwing.
  bool try_emplace(Handle<T> h, Cs... components) {
    if (h.is_null() || occupied(h.index()) || !make_addressable(h.index(), false) ||
        !rows_.try_push_back(h, std::move(components)...))
      return false;
    sparse_[h.index()] = static_cast<std::uint32_t>(rows_.size() - 1);
    return true;
  }

  // Removes `h`'s row by moving the last row into it; false when `h` has no row.
  bool erase(Handle<T> h) noexcept {
    const std::size_t r = row(h);
    if (r == npos) return false;
    const std::size_t last = rows_.size() - 1;
    const Handle<T> moved = rows_.template column<Handle<T>>()[last];
    rows_.swap_remove(r);
    if (r != last) sparse_[moved.index()] = static_cast<std::uint32_t>(r);
    sparse_[h.index()] = vacant;
    return true;
  }

  // The dense row of `h`, or npos.
  [[nodiscard]] std::size_t row(Handle<T> h) const noexcept {
    if (!occupied(h.index())) return npos;
    const std::uint32_t r = sparse_[h.index()];
    return rows_.template column<Handle<T>>()[r] == h ? r : npos;
  }
  [[nodiscard]] bool contains(Handle<T> h) const noexcept { return row(h) != npos; }

  // `h`'s component C, or null when `h` has no row.
  template <class C>
  [[nodiscard]] C* get(Handle<T> h) noexcept {
    const std::size_t r = row(h);
    return r == npos ? nullptr : &rows_.template column<C>()[r];
  }

  [[nodiscard]] std::size_t size() const noexcept { return rows_.size(); }
  [[nodiscard]] bool empty() const noexcept { return rows_.empty(); }
  [[nodiscard]] std::span<const Handle<T>> handles() const noexcept { return rows_.template column<Handle<T>>(); }
  template <class C>
  [[nodiscard]] std::span<C> column() noexcept {
    static_assert(!std::is_same_v<C, Handle<T>>, "handles() is read-only: rows are found through them");
    return rows_.template column<C>();
  }
  template <class C>
  [[nodiscard]] std::span<const C> column() const noexcept {
    return rows_.template column<C>();
  }
  [[nodiscard]] std::size_t bytes_reserved() const noexcept { return sparse_.bytes_reserved() + rows_.bytes_reserved(); }

  // Calls f(Sel&...) for every row; Sel may include Handle<T> to get each row's handle.
  template <class... Sel, class F>
  void each(F&& f) {
    rows_.template each<Sel...>(f);
  }
  template <class... Sel, class F>
  void each(F&& f) const {
    rows_.template each<Sel...>(f);
  }

 private:
  static constexpr std::uint32_t vacant = std::numeric_limits<std::uint32_t>::max();

  [[nodiscard]] bool occupied(std::uint32_t index) const noexcept {
    return index < addressable_ && sparse_[index] != vacant;
  }

  void check_insertable(Handle<T> h) const {
    if (h.is_null()) raise(error("sparse set: cannot add a null " + std::string(HandleLabel<T>::value()) + " handle"));
    if (occupied(h.index())) {
      const Handle<T> holder = rows_.template column<Handle<T>>()[sparse_[h.index()]];
      raise(error("sparse set: cannot add " + to_string(h) + ": its slot already has a row for " + to_string(holder)));
    }
  }

  // New sparse pages start vacant. Returns false only when !throwing.
  bool make_addressable(std::uint32_t index, bool throwing) {
    if (index < addressable_) return true;
    if (throwing) {
      sparse_.ensure(index);
    } else if (!sparse_.try_ensure(index)) {
      return false;
    }
    for (; addressable_ < sparse_.capacity(); ++addressable_) sparse_[addressable_] = vacant;
    return true;
  }

  SoA<Handle<T>, Cs...> rows_;      // declared first: its allocator serves the sparse side too
  PageTable<std::uint32_t> sparse_;
  std::size_t addressable_ = 0;
};

}  // namespace fm
