// fm::SoA<Cs...>: structure-of-arrays storage, one column per component type, each column starting on a
// 64-byte boundary of one block from an fm allocator. Rows stay dense (swap_remove), and iteration touches
// only the columns it asks for, so an update loop streams exactly the bytes it uses.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <limits>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "fm/core/align.hpp"
#include "fm/core/allocator.hpp"
#include "fm/core/error.hpp"
#include "fm/core/move_assign.hpp"

namespace fm {

namespace detail {
template <class T, class... Ts>
inline constexpr std::size_t count_of = (std::size_t{std::is_same_v<T, Ts>} + ... + 0);
}  // namespace detail

template <class... Cs>
class SoA {
  static_assert(((detail::count_of<Cs, Cs...> == 1) && ...), "each component type may appear once");
  static_assert((std::is_nothrow_move_constructible_v<Cs> && ...), "rows are relocated on growth and swap_remove");

 public:
  static constexpr std::size_t column_alignment = 64;
  static constexpr std::size_t row_bytes = (sizeof(Cs) + ...);

  // Without an allocator the columns come from the container's own fm::NewAllocator. `name` is what errors
  // call the container.
  SoA() : SoA(AllocatorRef{}) {}
  explicit SoA(AllocatorRef alloc, std::string_view name = "soa")
      : alloc_(alloc ? alloc : AllocatorRef(own_heap_)), name_(name) {}
  SoA(const SoA&) = delete;
  SoA& operator=(const SoA&) = delete;
  // Moving hands the rows over without touching them (the columns stay where they are, and so do references
  // to components); a container on its own heap takes the heap's counters along. The moved-from SoA is empty
  // (size and capacity 0) and may be used again: push_back allocates a new block from the allocator it had.
  // Assigning over an SoA destroys its rows and gives its block back first.
  SoA(SoA&& other) noexcept
      : own_heap_(std::exchange(other.own_heap_, {})),
        alloc_(moved_allocator(other.alloc_, other.own_heap_, own_heap_)),
        name_(std::move(other.name_)),
        block_(std::exchange(other.block_, nullptr)),
        columns_(std::exchange(other.columns_, {})),
        size_(std::exchange(other.size_, 0)),
        capacity_(std::exchange(other.capacity_, 0)) {}
  SoA& operator=(SoA&& other) noexcept { return detail::move_assign(*this, std::move(other)); }
  ~SoA() {
    clear();
    release_block();
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::size_t bytes_reserved() const noexcept { return block_bytes(capacity_); }
  [[nodiscard]] std::string_view name() const noexcept { return name_; }
  // Where the columns come from (the container's own heap when none was given).
  [[nodiscard]] AllocatorRef allocator() const noexcept { return alloc_; }
  // The most rows whose block size (every column padded to 64 bytes) still fits in a size_t.
  [[nodiscard]] static constexpr std::size_t max_size() noexcept {
    return (std::numeric_limits<std::size_t>::max() - sizeof...(Cs) * (column_alignment - 1)) / row_bytes;
  }

  template <class C>
  [[nodiscard]] std::span<C> column() noexcept {
    return {std::get<C*>(columns_), size_};
  }
  template <class C>
  [[nodiscard]] std::span<const C> column() const noexcept {
    return {std::get<C*>(columns_), size_};
  }

  // Appends one row; returns its index. Errors come from the allocator when the columns must grow.
  std::size_t push_back(Cs... values) {
    if (size_ == capacity_) grow(next_capacity(), true);
    return construct_row(std::move(values)...);
  }
  // As push_back(), but returns false (and leaves the container untouched) when memory runs out.
  bool try_push_back(Cs... values) {
    if (size_ == capacity_ && !grow(next_capacity(), false)) return false;
    construct_row(std::move(values)...);
    return true;
  }

  // Makes room for `rows` rows. More than max_size() throws fm::out_of_memory naming the container and the
  // request (try_reserve: false); the allocator's errors pass through. Either way nothing changes.
  void reserve(std::size_t rows) {
    if (rows > capacity_) grow(rows, true);
  }
  [[nodiscard]] bool try_reserve(std::size_t rows) { return rows <= capacity_ || grow(rows, false); }

  // Removes `row` by moving the last row into it (O(1); the order of rows is not kept).
  void swap_remove(std::size_t row) {
    if (row >= size_) raise(std::out_of_range(row_error(row)));
    const std::size_t last = size_ - 1;
    (move_over<Cs>(row, last), ...);
    --size_;
  }

  void clear() noexcept {
    (std::destroy_n(std::get<Cs*>(columns_), size_), ...);
    size_ = 0;
  }

  // Calls f(Sel&...) for every row, reading only the selected columns.
  template <class... Sel, class F>
  void each(F&& f) {
    for_rows<Sel...>(*this, f);
  }
  template <class... Sel, class F>
  void each(F&& f) const {
    for_rows<Sel...>(*this, f);
  }

 private:
  std::size_t next_capacity() const noexcept {
    return capacity_ > max_size() / 2 ? max_size() : std::max<std::size_t>(16, capacity_ * 2);
  }

  // Byte offset of each column in a block holding `rows` rows (at most max_size()), each column rounded up
  // to 64 bytes.
  static std::array<std::size_t, sizeof...(Cs) + 1> layout(std::size_t rows) noexcept {
    std::array<std::size_t, sizeof...(Cs) + 1> offsets{};
    std::size_t i = 0;
    ((offsets[i + 1] = offsets[i] + align_up(rows * sizeof(Cs), column_alignment), ++i), ...);
    return offsets;
  }
  static std::size_t block_bytes(std::size_t rows) noexcept { return layout(rows).back(); }

  // Slow path: a bigger block, rows relocated column by column. Returns false only when !throwing.
  bool grow(std::size_t rows, bool throwing) {
    if (rows > max_size()) {
      if (throwing) throw_too_many_rows(rows);
      return false;
    }
    const std::size_t bytes = block_bytes(rows);
    void* raw = throwing ? alloc_.allocate(bytes, column_alignment) : alloc_.try_allocate(bytes, column_alignment);
    if (raw == nullptr) return false;
    const auto offsets = layout(rows);
    std::tuple<Cs*...> fresh;
    std::size_t i = 0;
    ((std::get<Cs*>(fresh) = reinterpret_cast<Cs*>(static_cast<std::byte*>(raw) + offsets[i++])), ...);
    ((std::uninitialized_move_n(std::get<Cs*>(columns_), size_, std::get<Cs*>(fresh)),
      std::destroy_n(std::get<Cs*>(columns_), size_)),
     ...);
    release_block();
    block_ = raw;
    columns_ = fresh;
    capacity_ = rows;
    return true;
  }

  void release_block() noexcept {
    if (block_ != nullptr) alloc_.deallocate(block_, block_bytes(capacity_), column_alignment);
    block_ = nullptr;
  }

  std::size_t construct_row(Cs&&... values) noexcept {
    (std::construct_at(std::get<Cs*>(columns_) + size_, std::move(values)), ...);
    return size_++;
  }

  template <class C>
  void move_over(std::size_t row, std::size_t last) noexcept {
    C* column = std::get<C*>(columns_);
    if (row != last) column[row] = std::move(column[last]);
    std::destroy_at(column + last);
  }

  template <class... Sel, class Self, class F>
  static void for_rows(Self& self, F& f) {
    const std::size_t n = self.size_;
    auto rows = [n, &f](auto*... columns) {
      for (std::size_t i = 0; i < n; ++i) f(columns[i]...);
    };
    rows(static_cast<std::conditional_t<std::is_const_v<Self>, const Sel, Sel>*>(std::get<Sel*>(self.columns_))...);
  }

  [[noreturn]] void throw_too_many_rows(std::size_t rows) const {
    // The byte count itself does not fit in a size_t, so the request is reported in rows.
    raise(out_of_memory(name_, std::numeric_limits<std::size_t>::max(), column_alignment, bytes_reserved(),
                        std::to_string(rows) + " rows of " + std::to_string(row_bytes) +
                            " bytes overflow size_t; at most " + std::to_string(max_size()) + " rows fit"));
  }

  std::string row_error(std::size_t row) const {
    return "SoA swap_remove: row " + std::to_string(row) + " out of range (size " + std::to_string(size_) + ")";
  }

  NewAllocator own_heap_;
  AllocatorRef alloc_;
  std::string name_;
  void* block_ = nullptr;
  std::tuple<Cs*...> columns_{};
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace fm
