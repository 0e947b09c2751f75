// Tracking: a decorator that records every live allocation (size, alignment, tag, source location),
// rejects double frees, foreign pointers and size mismatches with fm::bad_free, and reports leaks grouped
// by file:line (printed to stderr when the tracker is destroyed with blocks still live). The location is the
// caller's even through AllocatorRef and other layers; reports and errors name the tracker (its own name, given
// at construction) and the system it serves.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <source_location>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fm/debug/decorator.hpp"

namespace fm {

// A label for an allocation, shown in leak reports (e.g. the subsystem that asked). Must outlive the tracker:
// use string literals or names owned by the memory system.
struct AllocationTag {
  std::string_view name;
};

struct AllocationRecord {
  std::size_t size = 0;
  std::size_t align = 0;
  std::string_view tag;
  std::source_location where;
  std::uint64_t serial = 0;  // n-th allocation of this tracker (1-based)
};

// Leaked blocks that were allocated at the same file:line with the same tag.
struct LeakSite {
  std::string_view file;
  std::uint_least32_t line = 0;
  std::string_view function;
  std::string_view tag;
  std::size_t count = 0;
  std::size_t bytes = 0;
};

struct LeakReport {
  std::string allocator;
  std::string system;           // the MemorySystem name the tracker is registered under, if any
  std::vector<LeakSite> sites;  // largest byte total first
  std::size_t count = 0;
  std::size_t bytes = 0;

  [[nodiscard]] bool empty() const noexcept { return count == 0; }
  // One header line plus one line per site, e.g. "  src/ai.cpp:42: 3 blocks, 192 bytes [ai] in plan()"; the header
  // ends in " (system 'particles')" when there is a system name.
  [[nodiscard]] std::string to_string() const;
};

// A tracker's own settings, passed before the wrapped allocator's constructor arguments:
// `Tracking<Pool> bullets{TrackingOptions{.name = "bullets tracker"}, sizeof(Bullet), alignof(Bullet)}`.
struct TrackingOptions {
  std::string_view name;  // named in leak reports and errors; empty: the wrapped allocator's name
};

namespace debug {

// The live-block table behind Tracking; not a template so every tracker shares one implementation.
class AllocationTable {
 public:
  // Throws std::bad_alloc when the table cannot grow (the caller then gives the block back).
  void insert(const void* p, const AllocationRecord& r);
  // Throws bad_free naming `allocator` unless `p` is a live block allocated with `size` and `align`.
  // `inner_owns` tells whether the wrapped allocator recognises `p` (a double free rather than a foreign pointer).
  void check_free(std::string_view allocator, const void* p, std::size_t size, std::size_t align,
                  bool inner_owns) const;
  // A live block's entry, taken out while the inner allocator frees it and put back if that throws.
  using Entry = std::unordered_map<const void*, AllocationRecord>::node_type;
  [[nodiscard]] Entry take(const void* p) noexcept { return live_.extract(p); }
  void put_back(Entry&& e) noexcept { live_.insert(std::move(e)); }
  // Remembers a freed block so a second free of it is named precisely.
  void retire(Entry&& e) noexcept;

  [[nodiscard]] std::size_t live() const noexcept { return live_.size(); }
  [[nodiscard]] std::uint64_t next_serial() noexcept { return ++serial_; }
  [[nodiscard]] LeakReport leak_report(std::string_view allocator, std::string_view system) const;
  [[nodiscard]] const AllocationRecord* find(const void* p) const noexcept;
  // Writes the leak report to stderr when blocks are live; never throws (trackers call it when destroyed).
  void print_leaks(std::string_view allocator, std::string_view system) const noexcept;

 private:
  struct FreedBlock {
    const void* p = nullptr;
    AllocationRecord record;
  };
  [[nodiscard]] const FreedBlock* recently_freed(const void* p) const noexcept;

  std::unordered_map<const void*, AllocationRecord> live_;
  std::array<FreedBlock, 256> freed_{};  // a ring: the last frees, to name a double free precisely
  std::size_t freed_next_ = 0;
  std::uint64_t serial_ = 0;
};

}  // namespace debug

template <class A>
class Tracking : public debug::Decorator<A> {
  using Base = debug::Decorator<A>;

 public:
  using Base::Base;
  template <class... Args>
    requires std::constructible_from<A, Args&&...>
  explicit Tracking(TrackingOptions options, Args&&... args)
      : Base(std::forward<Args>(args)...), own_name_(options.name) {}
  ~Tracking() { print_leaks(); }

  // The tracker's own name when it was given one, else the wrapped allocator's; layers above report this name.
  [[nodiscard]] std::string_view name() const noexcept { return own_name_.empty() ? Base::name() : own_name_; }

  [[nodiscard]] void* allocate(std::size_t size, std::size_t align = alignof(std::max_align_t),
                               std::source_location where = std::source_location::current()) {
    return allocate(size, align, AllocationTag{}, where);
  }
  [[nodiscard]] void* allocate(std::size_t size, std::size_t align, AllocationTag tag,
                               std::source_location where = std::source_location::current()) {
    return record(fm::allocate(this->inner_, size, align, where), size, align, tag, where);
  }
  [[nodiscard]] void* try_allocate(std::size_t size, std::size_t align = alignof(std::max_align_t),
                                   std::source_location where = std::source_location::current()) noexcept {
    return try_allocate(size, align, AllocationTag{}, where);
  }
  [[nodiscard]] void* try_allocate(std::size_t size, std::size_t align, AllocationTag tag,
                                   std::source_location where = std::source_location::current()) noexcept {
    void* p = fm::try_allocate(this->inner_, size, align, where);
    if (!p) return nullptr;
    if (detail::grew([&] { insert_record(p, size, align, tag, where); })) return p;
    this->inner_.deallocate(p, size, align);
    return nullptr;
  }

  // Throws bad_free (double free, foreign pointer, size mismatch) when `p` is not a live block of this tracker
  // allocated with `size` and `align`, and whatever the layers below would throw; changes nothing.
  void check_free(const void* p, std::size_t size, std::size_t align = alignof(std::max_align_t)) const {
    if (!p) return;
    table_.check_free(this->name(), p, size, align, inner_owns(p));
    fm::check_free(this->inner_, p, size, align);
  }
  // Rejects what check_free rejects before anything changes, then frees.
  void deallocate(void* p, std::size_t size, std::size_t align = alignof(std::max_align_t)) {
    if (!p) return;
    check_free(p, size, align);
    auto entry = table_.take(p);
    detail::on_error([&] { this->inner_.deallocate(p, size, align); }, [&] { table_.put_back(std::move(entry)); });
    table_.retire(std::move(entry));
  }

  [[nodiscard]] LeakReport leak_report() const { return table_.leak_report(this->name(), system_); }
  [[nodiscard]] std::size_t live_allocations() const noexcept { return table_.live(); }
  // The record of a live block, or null.
  [[nodiscard]] const AllocationRecord* find(const void* p) const noexcept { return table_.find(p); }
  // Whether the destructor prints the leak report to stderr when blocks are still live (default on).
  void set_print_leaks_at_exit(bool on) noexcept { print_at_exit_ = on; }
  // The system this tracker serves, named in its leak reports; MemorySystem::add_system sets it.
  void set_system_name(std::string_view system) {
    system_ = system;
    if constexpr (SystemNamedAllocator<typename Base::inner_type>) this->inner_.set_system_name(system);
  }

 private:
  void* record(void* p, std::size_t size, std::size_t align, AllocationTag tag, std::source_location where) {
    detail::on_error([&] { insert_record(p, size, align, tag, where); }, [&] { this->inner_.deallocate(p, size, align); });
    return p;
  }
  void insert_record(void* p, std::size_t size, std::size_t align, AllocationTag tag, std::source_location where) {
    table_.insert(p, {size, align, tag.name, where, table_.next_serial()});
  }
  bool inner_owns(const void* p) const noexcept {
    if constexpr (OwningAllocator<typename Base::inner_type>) {
      return this->inner_.owns(p);
    } else {
      (void)p;
      return false;
    }
  }
  void print_leaks() const noexcept {
    if (print_at_exit_) table_.print_leaks(this->name(), system_);
  }

  debug::AllocationTable table_;
  std::string own_name_;
  std::string system_;
  bool print_at_exit_ = true;
};

}  // namespace fm
