// Guard bytes: a decorator that puts fill::guard bytes before and after every block and checks them on
// free and on demand (verify()), naming the block and the side that was overwritten. Live blocks are
// linked through a small header inside each allocation, so verify() needs no heap of its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <optional>
#include <string>

#include "fm/core/error.hpp"
#include "fm/debug/decorator.hpp"
#include "fm/debug/filled.hpp"

namespace fm {

// Which guard of a block was overwritten and how.
struct GuardViolation {
  enum class Side { before, after };
  const void* block = nullptr;  // the user pointer
  std::size_t size = 0;         // the user size
  std::uint64_t serial = 0;     // n-th allocation of this Guarded (1-based), stable across runs
  Side side = Side::after;
  std::ptrdiff_t offset = 0;    // of the bad byte nearest the block, from the block's start (-1 = just before)
  unsigned char found = 0;      // what was there instead of fill::guard
};

// A guard byte was overwritten: memory corruption by a buffer overrun or underrun.
class guard_overwritten : public error {
 public:
  guard_overwritten(std::string_view allocator, const GuardViolation& v);
  [[nodiscard]] const GuardViolation& violation() const noexcept { return violation_; }

 private:
  GuardViolation violation_;
};

namespace debug {

// The header in front of every guarded block: the live-block list and what deallocate must match.
struct GuardHeader {
  GuardHeader* prev;
  GuardHeader* next;
  std::size_t size;
  std::size_t align;
  std::uint64_t serial;
};

// Layout of one guarded block: [GuardHeader | guard bytes | user bytes | guard bytes].
struct GuardLayout {
  std::size_t front;  // offset of the user bytes from the start of the inner block
  std::size_t total;  // bytes asked from the inner allocator
  std::size_t align;  // alignment asked from the inner allocator

  static constexpr GuardLayout of(std::size_t size, std::size_t align, std::size_t guard_bytes) noexcept {
    const std::size_t inner_align = align > alignof(GuardHeader) ? align : alignof(GuardHeader);
    const std::size_t front = align_up(sizeof(GuardHeader) + guard_bytes, inner_align);
    return {front, front + size + guard_bytes, inner_align};
  }
};

// First overwritten guard byte of a block, if any.
std::optional<GuardViolation> check_guards(const GuardHeader& h, std::size_t guard_bytes) noexcept;

}  // namespace debug

template <class A>
class Guarded : public debug::Decorator<A> {
  using Base = debug::Decorator<A>;
  using Header = debug::GuardHeader;

 public:
  // Guard bytes on each side of every block.
  static constexpr std::size_t guard_bytes = 16;

  using Base::Base;

  // Bytes the inner allocator is asked for per block, e.g. to size the blocks of a Pool under a Guarded.
  [[nodiscard]] static constexpr std::size_t inner_size(std::size_t size, std::size_t align) noexcept {
    return debug::GuardLayout::of(size, align, guard_bytes).total;
  }

  [[nodiscard]] void* allocate(std::size_t size, std::size_t align = alignof(std::max_align_t)) {
    check_alignment(this->name(), align, max_alignment);
    const auto layout = debug::GuardLayout::of(size, align, guard_bytes);
    return link(this->inner_.allocate(layout.total, layout.align), layout, size, align);
  }
  [[nodiscard]] void* try_allocate(std::size_t size, std::size_t align = alignof(std::max_align_t)) noexcept {
    if (!is_pow2(align) || align > max_alignment) return nullptr;
    const auto layout = debug::GuardLayout::of(size, align, guard_bytes);
    void* raw = fm::try_allocate(this->inner_, layout.total, layout.align);
    return raw ? link(raw, layout, size, align) : nullptr;
  }

  // Checks both guards (throws guard_overwritten and keeps the block live when one was hit), then frees.
  void deallocate(void* p, std::size_t size, std::size_t align = alignof(std::max_align_t)) {
    if (!p) return;
    const auto layout = debug::GuardLayout::of(size, align, guard_bytes);
    // As an integer: a foreign pointer must not be moved outside its object before owns() rejects it.
    auto* raw = reinterpret_cast<unsigned char*>(reinterpret_cast<std::uintptr_t>(p) - layout.front);
    if constexpr (OwningAllocator<typename Base::inner_type>) {
      if (!this->inner_.owns(raw)) throw debug::foreign_pointer(this->name(), p);  // before reading its header
    }
    auto* h = reinterpret_cast<Header*>(raw);
    if (h->size != size || h->align != align) throw_mismatch(p, *h, size, align);
    if (auto v = debug::check_guards(*h, guard_bytes)) throw guard_overwritten(this->name(), *v);
    unlink(h);
    this->inner_.deallocate(raw, layout.total, layout.align);
  }

  // First overwritten guard among all live blocks, or nothing when every guard is intact.
  [[nodiscard]] std::optional<GuardViolation> try_verify() const noexcept {
    for (const Header* h = head_; h; h = h->next) {
      if (auto v = debug::check_guards(*h, guard_bytes)) return v;
    }
    return std::nullopt;
  }
  // Throws guard_overwritten for the first overwritten guard among all live blocks.
  void verify() const {
    if (auto v = try_verify()) throw guard_overwritten(this->name(), *v);
  }

  [[nodiscard]] std::size_t live_blocks() const noexcept { return live_; }

 private:
  void* link(void* raw, const debug::GuardLayout& layout, std::size_t size, std::size_t align) noexcept {
    auto* bytes = static_cast<unsigned char*>(raw);
    std::memset(bytes + sizeof(Header), fill::guard, layout.front - sizeof(Header));
    std::memset(bytes + layout.front + size, fill::guard, guard_bytes);
    auto* h = ::new (raw) Header{nullptr, head_, size, align, ++serial_};
    if (head_) head_->prev = h;
    head_ = h;
    ++live_;
    return bytes + layout.front;
  }
  void unlink(Header* h) noexcept {
    (h->prev ? h->prev->next : head_) = h->next;
    if (h->next) h->next->prev = h->prev;
    --live_;
  }
  [[noreturn]] void throw_mismatch(const void* p, const Header& h, std::size_t size, std::size_t align) const {
    throw bad_free("size mismatch in '" + std::string(this->name()) + "': block #" + std::to_string(h.serial) +
                   " at " + debug::describe_address(p) + " freed as " + std::to_string(size) + " bytes aligned to " +
                   std::to_string(align) + ", allocated as " + std::to_string(h.size) + " bytes aligned to " +
                   std::to_string(h.align));
  }

  Header* head_ = nullptr;
  std::size_t live_ = 0;
  std::uint64_t serial_ = 0;
};

}  // namespace fm
