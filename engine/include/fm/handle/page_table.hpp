// fm::PageTable<T>: uninitialized storage for T in fixed-size pages taken from an fm allocator, indexed
// like an array. Pages never move, so addresses stay stable while the table grows; the page directory
// comes from the same allocator, so every byte a handle pool or sparse set holds is budgeted and visible.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstring>
#include <utility>

#include "fm/core/allocator.hpp"

namespace fm {

template <class T, std::size_t PageBytes = 16384>
class PageTable {
 public:
  static constexpr std::size_t per_page = std::bit_floor(std::max<std::size_t>(PageBytes / sizeof(T), 1));
  static constexpr std::size_t page_bytes = per_page * sizeof(T);
  static constexpr std::size_t page_align = std::max<std::size_t>(alignof(T), 64);

  explicit PageTable(AllocatorRef alloc) noexcept : alloc_(alloc) {}
  PageTable(const PageTable&) = delete;
  PageTable& operator=(const PageTable&) = delete;
  // Takes the other's pages, leaving it empty. `alloc` is the allocator they came from, or what replaced it
  // when their owner moved (see fm::moved_allocator).
  PageTable(PageTable&& other, AllocatorRef alloc) noexcept
      : alloc_(alloc),
        pages_(std::exchange(other.pages_, nullptr)),
        pages_count_(std::exchange(other.pages_count_, 0)),
        directory_capacity_(std::exchange(other.directory_capacity_, 0)) {}
  // Releases the pages; objects constructed in them must have been destroyed by the owner.
  ~PageTable() { release_from(0); }

  // Storage of element `i`; its page must exist (i < capacity()).
  [[nodiscard]] T* slot(std::size_t i) const noexcept { return pages_[i / per_page] + (i % per_page); }
  [[nodiscard]] T& operator[](std::size_t i) const noexcept { return *slot(i); }

  [[nodiscard]] std::size_t capacity() const noexcept { return pages_count_ * per_page; }
  [[nodiscard]] std::size_t pages() const noexcept { return pages_count_; }
  [[nodiscard]] std::size_t bytes_reserved() const noexcept {
    return pages_count_ * page_bytes + directory_capacity_ * sizeof(T*);
  }

  // Makes element `i` addressable, adding pages as needed; errors come from the allocator. All or nothing:
  // when a page or the directory cannot be had, what was added is given back and the table is as it was.
  void ensure(std::size_t i) { (void)grow_to(i, true); }
  [[nodiscard]] bool try_ensure(std::size_t i) noexcept { return grow_to(i, false); }

  // Gives back every page from `first_page` on (the directory is kept for regrowth).
  void release_from(std::size_t first_page) noexcept {
    while (pages_count_ > first_page) {
      --pages_count_;
      alloc_.deallocate(pages_[pages_count_], page_bytes, page_align);
    }
    if (pages_count_ == 0 && pages_ != nullptr) {
      alloc_.deallocate(pages_, directory_capacity_ * sizeof(T*), alignof(T*));
      pages_ = nullptr;
      directory_capacity_ = 0;
    }
  }

 private:
  // Slow path: the directory first (the old one kept until every page is in), then the pages. Returns false
  // only when !throwing; a failure undoes everything.
  bool grow_to(std::size_t i, bool throwing) {
    if (i < capacity()) return true;
    const std::size_t want = i / per_page + 1;
    T** const old_directory = pages_;
    const std::size_t old_count = pages_count_;
    const std::size_t old_capacity = directory_capacity_;
    if (want > directory_capacity_ && !grow_directory(std::max({want, directory_capacity_ * 2, std::size_t{8}}), throwing)) {
      return false;
    }
    auto undo = [&]() noexcept {
      while (pages_count_ > old_count) alloc_.deallocate(pages_[--pages_count_], page_bytes, page_align);
      if (pages_ != old_directory) {
        alloc_.deallocate(pages_, directory_capacity_ * sizeof(T*), alignof(T*));
        pages_ = old_directory;
        directory_capacity_ = old_capacity;
      }
    };
    const bool filled = detail::on_error(
        [&] {
          while (pages_count_ < want) {
            void* page = throwing ? alloc_.allocate(page_bytes, page_align) : alloc_.try_allocate(page_bytes, page_align);
            if (page == nullptr) return false;
            pages_[pages_count_++] = static_cast<T*>(page);
          }
          return true;
        },
        undo);
    if (!filled) {
      undo();
      return false;
    }
    if (old_directory != nullptr && old_directory != pages_) {
      alloc_.deallocate(old_directory, old_capacity * sizeof(T*), alignof(T*));
    }
    return true;
  }

  // Moves the page pointers into a directory of `capacity` entries; the old directory stays allocated (the
  // caller gives it back once the growth succeeded).
  bool grow_directory(std::size_t capacity, bool throwing) {
    const std::size_t bytes = capacity * sizeof(T*);
    void* raw = throwing ? alloc_.allocate(bytes, alignof(T*)) : alloc_.try_allocate(bytes, alignof(T*));
    if (raw == nullptr) return false;
    auto** directory = static_cast<T**>(raw);
    if (pages_count_ != 0) std::memcpy(directory, pages_, pages_count_ * sizeof(T*));
    pages_ = directory;
    directory_capacity_ = capacity;
    return true;
  }

  AllocatorRef alloc_;
  T** pages_ = nullptr;
  std::size_t pages_count_ = 0;
  std::size_t directory_capacity_ = 0;
};

}  // namespace fm
