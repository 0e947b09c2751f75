// Reference model and step function of the debug layers (Filled, Guarded, Tracking): each layer alone and
// stacked two and three deep in every order, over a NewAllocator, a Pool, a non-strict StackAllocator and an
// fm::Heap. One harness for the doctest driver (debug_layers_test.cpp) and the fuzzer (debug_layers_fuzz.cpp).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <new>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "fm/alloc/pool.hpp"
#include "fm/alloc/stack_allocator.hpp"
#include "fm/core/allocator.hpp"
#include "fm/debug/filled.hpp"
#include "fm/debug/guarded.hpp"
#include "fm/debug/sanitizer.hpp"
#include "fm/debug/tracking.hpp"
#include "fm/heap/heap.hpp"
#include "model/alloc_checks.hpp"
#include "model/source.hpp"

namespace fm::model {

namespace debug_layers {

enum class Layer : std::uint8_t { filled, guarded, tracking };
enum class Base : std::uint8_t { new_heap, pool, stack, heap };

inline constexpr std::size_t pool_block = 512;  // the pool base's blocks; larger requests go to its parent
inline constexpr std::size_t pool_align = 64;
inline constexpr std::size_t stack_capacity = std::size_t{1} << 20;
inline constexpr std::size_t max_live = 48;  // beyond this, allocations turn into frees
inline constexpr std::string_view system_name = "debug_layers";

// What the model knows of a stack: its layers (outermost first) and its base. Which misuse the stack must
// detect follows from these alone, from what each piece documents.
struct Shape {
  std::array<Layer, 3> layers{};
  std::size_t depth = 0;
  Base base = Base::new_heap;
  bool base_checks_frees = false;  // the base has check_free

  // Whether check_free can reject everything deallocate rejects: a layer that checks on its own, or a base
  // that checks in advance. (Filled alone over a base without check_free learns of a bad free only when the
  // base's deallocate throws, which is still before it paints.)
  [[nodiscard]] bool checks_in_advance() const noexcept {
    return has(Layer::tracking) || has(Layer::guarded) || base_checks_frees;
  }

  [[nodiscard]] bool has(Layer l) const noexcept { return position(l) < depth; }
  [[nodiscard]] std::size_t position(Layer l) const noexcept {
    for (std::size_t i = 0; i < depth; ++i) {
      if (layers[i] == l) return i;
    }
    return depth;
  }
  [[nodiscard]] bool tracking_above_guarded() const noexcept {
    return has(Layer::tracking) && has(Layer::guarded) && position(Layer::tracking) < position(Layer::guarded);
  }
  // Alignments up to this are valid: fm::Heap takes up to 1 GiB, everything else (Guarded too) a page.
  [[nodiscard]] std::size_t max_align() const noexcept {
    return base == Base::heap && !has(Layer::guarded) ? Heap::max_alignment() : fm::max_alignment;
  }
  // Whether the pool base surely serves the request from one of its blocks (and so checks its frees itself).
  // With guard bytes the inner request is larger: a generous bound, not Guarded's exact layout.
  [[nodiscard]] bool pool_serves_block(std::size_t size, std::size_t align) const noexcept {
    const std::size_t room = has(Layer::guarded) ? pool_block / 2 : pool_block;
    return base == Base::pool && size <= room && is_pow2(align) && align <= pool_align;
  }
  // A guard layer's mark can be read after a free only where freed memory stays mapped: inside the pool's
  // pages, the stack's buffer, or AddressSanitizer's quarantine (where the poisoning says "not live").
  [[nodiscard]] bool guarded_sees_double_free(std::size_t size, std::size_t align) const noexcept {
    return has(Layer::guarded) &&
           (base == Base::stack || pool_serves_block(size, align) || (base == Base::new_heap && fm::debug::asan_enabled));
  }
  // fm::Heap's check_free refuses a block that is already free, so every stack over it does.
  [[nodiscard]] bool detects_double_free(std::size_t size, std::size_t align) const noexcept {
    return has(Layer::tracking) || guarded_sees_double_free(size, align) || pool_serves_block(size, align) ||
           base == Base::heap;
  }
  // Whether the base alone decides whether a free is legal: the layers above pass the pointer down unchanged.
  [[nodiscard]] bool base_decides() const noexcept { return !has(Layer::tracking) && !has(Layer::guarded); }
  // A non-strict stack rejects pointers outside its buffer; inside it, frees of other blocks are ignored.
  [[nodiscard]] bool detects_foreign(std::size_t size, std::size_t align) const noexcept {
    return has(Layer::tracking) || has(Layer::guarded) || base == Base::stack || pool_serves_block(size, align);
  }
  [[nodiscard]] bool detects_interior(std::size_t size, std::size_t align) const noexcept {
    return has(Layer::tracking) || has(Layer::guarded) || pool_serves_block(size, align);
  }
  [[nodiscard]] bool detects_wrong_size() const noexcept { return has(Layer::tracking) || has(Layer::guarded); }
  // Huge requests reach the global heap's aligned operator new over a NewAllocator and through a pool's
  // oversize path, after those refused what no block could hold (fm::fits_address_space). The global heap
  // must refuse the rest, which AddressSanitizer's does by aborting the process, so an ASan build asks those
  // bases only for sizes framemem itself must refuse.
  [[nodiscard]] bool may_ask_huge(std::size_t size, std::size_t align) const noexcept {
    if (base == Base::stack || base == Base::heap || !fm::debug::asan_enabled) return true;
    return !fits_address_space(size, is_pow2(align) ? align : 1);
  }
  [[nodiscard]] std::string name() const {
    static constexpr std::array<std::string_view, 3> layer_names = {"Filled", "Guarded", "Tracking"};
    static constexpr std::array<std::string_view, 4> base_names = {"NewAllocator&", "Pool&", "StackAllocator&",
                                                                   "Heap&"};
    std::string out;
    for (std::size_t i = 0; i < depth; ++i) out += std::string(layer_names[static_cast<std::size_t>(layers[i])]) + "<";
    out += base_names[static_cast<std::size_t>(base)];
    return out + std::string(depth, '>');
  }
};

// Type-erased access to one instantiated stack: the operations go through AllocatorRef (which must carry the
// caller's location), the probes reach the layers and the base.
struct Probes {
  AllocatorRef stack;
  AllocatorRef base;
  const Pool* pool = nullptr;
  const Heap* heap = nullptr;  // the base, when it is an fm::Heap
  std::function<std::optional<GuardViolation>()> try_verify;  // set when a Guarded is in the stack
  std::function<std::size_t()> guarded_live;
  std::function<std::size_t()> tracked_live;  // set when a Tracking is in the stack
  std::function<LeakReport()> leak_report;
};

enum class Outcome { ok, bad_free, guard_overwritten, bad_alignment, out_of_memory, other };

inline const char* describe(Outcome o) noexcept {
  constexpr const char* names[] = {"success", "fm::bad_free", "fm::guard_overwritten", "fm::bad_alignment",
                                   "out of memory", "another exception"};
  return names[static_cast<int>(o)];
}

template <class F>
Outcome outcome_of(F&& call) {
  try {
    call();
    return Outcome::ok;
  } catch (const guard_overwritten&) {
    return Outcome::guard_overwritten;
  } catch (const bad_free&) {
    return Outcome::bad_free;
  } catch (const bad_alignment&) {
    return Outcome::bad_alignment;
  } catch (const out_of_memory&) {
    return Outcome::out_of_memory;
  } catch (const std::bad_alloc&) {
    return Outcome::out_of_memory;
  } catch (...) {
    return Outcome::other;
  }
}

// Memory that belongs to no allocator, for foreign frees. Guarded reads its header up to a page before the
// pointer, so foreign pointers sit well inside; nothing may ever write to it.
struct ForeignMemory {
  alignas(4096) std::array<unsigned char, 4 * 4096> bytes{};
  ForeignMemory() {
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i * 37 + 11);
  }
};

class Model {
 public:
  Model(const Shape& shape, const Probes& probes) : shape_(shape), io_(probes) {}

  void step(Source& src) {
    const unsigned op = src.below(100);
    if (op < 40 && live_.size() < max_live) {
      allocate(src);
    } else if (op < 72) {
      free_one(src);
    } else if (op < 92) {
      misuse(src);
    } else {
      check_leak_report();
    }
    check_counts();
  }

  // Frees everything still live (checking each block's bytes), then the layers and the base must be empty.
  void finish() {
    while (!live_.empty()) free_block(live_.begin()->second);
    check_counts();
    if (io_.tracked_live) expect(io_.leak_report().empty(), "leak report not empty after every block was freed");
    if (shape_.base != Base::stack) expect(io_.base.stats().bytes_used == 0, "base still has bytes in use");
    if (io_.pool) expect(io_.pool->live_blocks() == 0, "pool still has live blocks");
  }

 private:
  struct Block {
    unsigned char* p;
    std::size_t size;
    std::size_t align;
    std::uint64_t id;
  };
  // Everything a rejected operation must leave as it was.
  struct State {
    AllocatorStats base;
    std::size_t guarded_live = 0;
    std::size_t tracked_live = 0;
    std::size_t pool_live = 0;
    std::uint64_t bytes = 0;
    bool operator==(const State& o) const noexcept {
      return base.bytes_used == o.base.bytes_used && base.bytes_reserved == o.base.bytes_reserved &&
             base.allocations == o.base.allocations && base.deallocations == o.base.deallocations &&
             guarded_live == o.guarded_live && tracked_live == o.tracked_live && pool_live == o.pool_live &&
             bytes == o.bytes;
    }
  };

  static unsigned char pattern(std::uint64_t id, std::size_t i) noexcept {
    return static_cast<unsigned char>((id * 0x9Du + i * 7u + (i >> 8)) & 0xFFu);
  }

  std::size_t draw_size(Source& src) const {
    std::size_t size = src.size();
    if (size >= huge) return size;
    size &= 0x3FFF;  // 4 GiB and 1 TiB requests would succeed on an overcommitting host: keep blocks small
    if (size == 0 && shape_.base == Base::stack && !shape_.has(Layer::guarded)) size = 1;  // see allocate()
    return size;
  }

  // Allocations of size 0 from a bare stack share their address with the next block, which no table keyed by
  // address could tell apart, so the harness does not ask for them there (draw_size).
  void allocate(Source& src) {
    std::size_t size = draw_size(src);
    const std::size_t align = src.align();
    if (size >= huge && !shape_.may_ask_huge(size, align)) size &= 0x3FF;
    const bool use_try = src.chance(50);
    const bool valid_align = is_pow2(align) && align <= shape_.max_align();
    const bool must_fail = !valid_align || size >= huge;
    // Only a failure must leave the state alone; hashing every live byte is skipped when none may happen.
    const bool may_fail = must_fail || shape_.base == Base::stack;
    const State before = may_fail ? state() : State{};

    void* p = nullptr;
    const std::source_location here = std::source_location::current();
    const Outcome got = outcome_of([&] {
      p = use_try ? io_.stack.try_allocate(size, align, here) : io_.stack.allocate(size, align, here);
    });
    alloc_line_ = here.line();
    const std::string what = "allocate(" + std::to_string(size) + ", " + std::to_string(align) + ")";
    expect(got == Outcome::ok || !use_try, what + ": try_allocate threw");

    if (must_fail || p == nullptr) {
      if (use_try) {
        expect(p == nullptr, what + " returned a block");
      } else if (!valid_align) {
        expect(got == Outcome::bad_alignment, what + " gave " + describe(got) + ", not fm::bad_alignment");
      } else {
        expect(got == Outcome::out_of_memory, what + " gave " + describe(got) + ", not out of memory");
      }
      if (!must_fail) expect(shape_.base == Base::stack, what + " failed although the base has room");
      expect(may_fail && state() == before, what + " failed but changed the state");
      return;
    }
    expect(got == Outcome::ok, what + " gave " + std::string(describe(got)));
    accept_block(static_cast<unsigned char*>(p), size, align);
  }

  void accept_block(unsigned char* p, std::size_t size, std::size_t align) {
    const std::string what = "block of " + std::to_string(size) + " bytes";
    expect(is_aligned(p, align), what + " is not aligned to " + std::to_string(align));
    const std::size_t extent = size == 0 ? 1 : size;
    const auto next = live_.lower_bound(p);
    expect(next == live_.end() || p + extent <= next->first, what + " overlaps the live block after it");
    if (next != live_.begin()) {
      const Block& prev = std::prev(next)->second;
      expect(prev.p + (prev.size == 0 ? 1 : prev.size) <= p, what + " overlaps the live block before it");
    }
    if (shape_.has(Layer::filled)) {
      expect(std::all_of(p, p + size, [](unsigned char c) { return c == fill::allocated; }),
             what + " is not painted 0xCD");
    }
    const Block b{p, size, align, ++next_id_};
    for (std::size_t i = 0; i < size; ++i) p[i] = pattern(b.id, i);
    live_.emplace(p, b);
    std::erase(freed_, p);
    freed_sizes_.erase(p);
  }

  Block* pick_live(Source& src) {
    if (live_.empty()) return nullptr;
    auto it = live_.begin();
    std::advance(it, src.below(static_cast<std::uint32_t>(live_.size())));
    return &it->second;
  }

  void free_one(Source& src) {
    if (Block* b = pick_live(src)) free_block(*b);
  }

  void free_block(Block b) {
    const std::string what = "free of a live " + std::to_string(b.size) + "-byte block";
    std::size_t same = 0;
    while (same < b.size && b.p[same] == pattern(b.id, same)) ++same;
    expect(same == b.size, what + ": its bytes changed");
    expect(outcome_of([&] { io_.stack.check_free(b.p, b.size, b.align); }) == Outcome::ok,
           what + ": check_free rejected it");
    const Outcome got = outcome_of([&] { io_.stack.deallocate(b.p, b.size, b.align); });
    expect(got == Outcome::ok, what + " gave " + describe(got));
    live_.erase(b.p);
    freed_.push_back(b.p);
    freed_sizes_[b.p] = {b.size, b.align};
    if (freed_.size() > 64) {
      freed_sizes_.erase(freed_.front());
      freed_.erase(freed_.begin());
    }
  }

  // A free the stack must reject with `expected`, through check_free and deallocate alike, changing nothing.
  void expect_rejected(const void* p, std::size_t size, std::size_t align, Outcome expected, const std::string& what) {
    const State before = state();
    const Outcome checked = outcome_of([&] { io_.stack.check_free(p, size, align); });
    expect(checked == expected || (checked == Outcome::ok && !shape_.checks_in_advance()),
           what + ": check_free gave " + describe(checked) + ", not " + describe(expected));
    expect(state() == before, what + ": check_free changed the state");
    const Outcome freed = outcome_of([&] { io_.stack.deallocate(const_cast<void*>(p), size, align); });
    expect(freed == expected, what + ": deallocate gave " + describe(freed) + ", not " + describe(expected));
    expect(state() == before, what + ": rejected, but the state changed");
  }

  void misuse(Source& src) {
    switch (src.below(5)) {
      case 0: return double_free(src);
      case 1: return foreign_free(src);
      case 2: return interior_free(src);
      case 3: return wrong_size_free(src);
      default: return overrun(src);
    }
  }

  void double_free(Source& src) {
    if (freed_.empty()) return;
    const unsigned char* p = freed_[src.below(static_cast<std::uint32_t>(freed_.size()))];
    const auto [size, align] = freed_sizes_.at(p);
    if (!shape_.detects_double_free(size, align)) return;
    // Where the heap decides alone, a freed pointer in a live block, or in the padding before an aligned one,
    // may be a legal pointer of that block for all it can tell: no double free to test there.
    if (io_.heap != nullptr && shape_.base_decides() && in_reach_of_live_heap_block(p)) return;
    expect_rejected(p, size, align, Outcome::bad_free, "double free of a " + std::to_string(size) + "-byte block");
  }

  void foreign_free(Source& src) {
    const std::size_t size = src.size() & 0x3FFF;
    const std::size_t align = std::size_t{1} << src.below(7);
    if (!shape_.detects_foreign(size, align)) return;
    const unsigned char* p = foreign_.bytes.data() + 2 * 4096 + align * src.below(16);
    expect_rejected(p, size, align, Outcome::bad_free, "free of a foreign pointer");
  }

  [[nodiscard]] bool in_reach_of_live_heap_block(const unsigned char* p) const {
    return std::any_of(live_.begin(), live_.end(), [&](const auto& live) {
      const Block& b = live.second;
      return within_reach(p, reinterpret_cast<std::uintptr_t>(b.p), b.align, io_.heap->usable_size(b.p));
    });
  }

  void interior_free(Source& src) {
    const Block* b = pick_live(src);
    if (b == nullptr || b->size <= 1 || !shape_.detects_interior(b->size, b->align)) return;
    const std::size_t offset = 1 + src.below(static_cast<std::uint32_t>(b->size - 1));
    expect_rejected(b->p + offset, b->size, b->align, Outcome::bad_free, "free of an interior pointer");
  }

  // Alignments above 64 would make a guard layer look for a header further before the block than the stack
  // may own, so wrong alignments are the small ones and the invalid ones.
  void wrong_size_free(Source& src) {
    const Block* b = pick_live(src);
    if (b == nullptr || !shape_.detects_wrong_size()) return;
    std::size_t size = b->size;
    std::size_t align = b->align;
    if (src.chance(50)) {
      size = src.size();
      if (size == b->size) size += 1 + src.below(64);
    } else {
      constexpr std::size_t wrong[] = {1, 2, 4, 8, 16, 32, 64, 0, 3, 48};
      align = wrong[src.below(10)];
      if (align == b->align) align = b->align == 64 ? 3 : 64;
    }
    expect_rejected(b->p, size, align, Outcome::bad_free,
                    "free of a " + std::to_string(b->size) + "-byte block as " + std::to_string(size) +
                        " bytes aligned to " + std::to_string(align));
  }

  // Writes one byte into a guard: verify() must name it and a free must be refused, leaving the block live.
  void overrun(Source& src) {
    Block* b = pick_live(src);
    if (b == nullptr || !io_.try_verify) return;
    const bool after = src.chance(50);
    const std::size_t distance = src.below(static_cast<std::uint32_t>(Guarded<NewAllocator>::guard_bytes));
    unsigned char* at = after ? b->p + b->size + distance : b->p - 1 - distance;
    const unsigned char bad = static_cast<unsigned char>(fill::guard ^ (1u + src.below(255)));
    *at = bad;
    const std::optional<GuardViolation> v = io_.try_verify();
    expect(v.has_value(), "an overwritten guard byte was not found by verify()");
    expect(v->block == b->p && v->size == b->size && v->found == bad, "verify() named another block or byte");
    expect(v->side == (after ? GuardViolation::Side::after : GuardViolation::Side::before), "verify(): wrong side");
    expect(v->offset == (after ? static_cast<std::ptrdiff_t>(b->size + distance) : -1 - static_cast<std::ptrdiff_t>(distance)),
           "verify(): wrong offset");
    expect_rejected(b->p, b->size, b->align, Outcome::guard_overwritten, "free of a block with an overwritten guard");
    *at = fill::guard;
    expect(!io_.try_verify().has_value(), "verify() still complains after the guard was repaired");
  }

  // The tracker's leak report, read mid-run: every live block, all at the harness's allocation line, under
  // the system name the stack was given.
  void check_leak_report() {
    if (!io_.leak_report) return;
    const LeakReport report = io_.leak_report();
    expect(report.count == live_.size(), "leak report counts " + std::to_string(report.count) + " blocks, " +
                                             std::to_string(live_.size()) + " are live");
    std::size_t bytes = 0;
    for (const auto& [p, b] : live_) bytes += b.size;
    if (shape_.tracking_above_guarded() || !shape_.has(Layer::guarded)) {
      expect(report.bytes == bytes, "leak report bytes differ from the live bytes");
    } else {
      expect(report.bytes >= bytes + 2 * Guarded<NewAllocator>::guard_bytes * live_.size(),
             "leak report under a guard layer misses the guard bytes");
    }
    expect(report.system == system_name, "leak report does not name the system");
    for (const LeakSite& s : report.sites) {
      expect(std::string_view(s.file).ends_with("debug_layers_model.hpp") && s.line == alloc_line_,
             "leak report names " + std::string(s.file) + ":" + std::to_string(s.line) + ", not the harness's call");
    }
    expect(report.to_string().starts_with("framemem: " + std::to_string(report.count) + " leaked allocation"),
           "leak report text");
  }

  void check_counts() const {
    if (io_.guarded_live) expect(io_.guarded_live() == live_.size(), "Guarded::live_blocks() differs from the model");
    if (io_.tracked_live) expect(io_.tracked_live() == live_.size(), "Tracking::live_allocations() differs from the model");
  }

  [[nodiscard]] State state() const {
    State s;
    s.base = io_.base.stats();
    if (io_.guarded_live) s.guarded_live = io_.guarded_live();
    if (io_.tracked_live) s.tracked_live = io_.tracked_live();
    if (io_.pool) s.pool_live = io_.pool->live_blocks();
    std::uint64_t h = 1469598103934665603ull;
    const auto mix = [&h](const unsigned char* p, std::size_t n) {
      std::size_t i = 0;
      for (std::uint64_t word; i + 8 <= n; i += 8) {
        std::memcpy(&word, p + i, 8);
        h = (h ^ word) * 1099511628211ull + i;
      }
      for (; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
    };
    for (const auto& [p, b] : live_) mix(b.p, b.size);
    mix(foreign_.bytes.data(), foreign_.bytes.size());
    s.bytes = h;
    return s;
  }

  static constexpr std::size_t huge = std::size_t{1} << 48;  // beyond any address space

  Shape shape_;
  Probes io_;
  std::map<const unsigned char*, Block> live_;
  std::vector<const unsigned char*> freed_;  // recently freed, not live again since
  std::map<const unsigned char*, std::pair<std::size_t, std::size_t>> freed_sizes_;
  std::uint64_t next_id_ = 0;
  std::uint_least32_t alloc_line_ = 0;
  inline static ForeignMemory foreign_;
};

// ---- Instantiation: one type per (base, layer order), all run by the same Model. ----

template <template <class> class... Ls>
struct Layers {};

template <class Inner, template <class> class... Ls>
struct Wrap {
  using type = Inner;
};
template <class Inner, template <class> class L, template <class> class... Rest>
struct Wrap<Inner, L, Rest...> {
  using type = L<typename Wrap<Inner, Rest...>::type>;
};

template <template <class> class L>
constexpr Layer layer_of() {
  if constexpr (std::is_same_v<L<NewAllocator>, Filled<NewAllocator>>) {
    return Layer::filled;
  } else if constexpr (std::is_same_v<L<NewAllocator>, Guarded<NewAllocator>>) {
    return Layer::guarded;
  } else {
    static_assert(std::is_same_v<L<NewAllocator>, Tracking<NewAllocator>>);
    return Layer::tracking;
  }
}

template <class S>
struct LayerTraits {
  static constexpr bool decorator = false;
};
template <template <class> class L, class A>
  requires std::derived_from<L<A>, fm::debug::Decorator<A>>
struct LayerTraits<L<A>> {
  static constexpr bool decorator = true;
  static constexpr Layer layer = layer_of<L>();
};

// Points the probes at the Guarded and Tracking layers of a stack, wherever they sit.
template <class S>
void find_layers(S& s, Probes& io) {
  if constexpr (LayerTraits<S>::decorator) {
    if constexpr (LayerTraits<S>::layer == Layer::guarded) {
      io.try_verify = [&s] { return s.try_verify(); };
      io.guarded_live = [&s] { return s.live_blocks(); };
    } else if constexpr (LayerTraits<S>::layer == Layer::tracking) {
      s.set_print_leaks_at_exit(false);  // a failing run keeps its blocks; the model reports, not stderr
      io.tracked_live = [&s] { return s.live_allocations(); };
      io.leak_report = [&s] { return s.leak_report(); };
    }
    find_layers(s.inner(), io);
  }
}

struct NewBase {
  static constexpr Base kind = Base::new_heap;
  NewAllocator allocator;
};
struct PoolBase {
  static constexpr Base kind = Base::pool;
  Pool allocator{pool_block, pool_align, PoolOptions{.name = "model pool"}};
};
struct StackBase {
  static constexpr Base kind = Base::stack;
  StackAllocator allocator{StackAllocatorOptions{.capacity = stack_capacity, .name = "model stack", .strict_lifo = false}};
};
struct HeapBase {
  static constexpr Base kind = Base::heap;
  Heap allocator{"model heap"};
};

template <class B, template <class> class... Ls>
constexpr Shape shape_of() {
  return Shape{{layer_of<Ls>()...}, sizeof...(Ls), B::kind, FreeCheckingAllocator<decltype(B::allocator)>};
}

template <class B, template <class> class... Ls>
void run_stack(Source& src, std::size_t steps) {
  B base;
  using Stack = typename Wrap<decltype(base.allocator)&, Ls...>::type;
  Stack stack(base.allocator);
  Probes io;
  io.stack = stack;
  io.base = base.allocator;
  if constexpr (B::kind == Base::pool) io.pool = &base.allocator;
  if constexpr (B::kind == Base::heap) io.heap = &base.allocator;
  find_layers(stack, io);
  io.stack.set_system_name(system_name);
  Model model(shape_of<B, Ls...>(), io);
  for (std::size_t step = 0; step < steps && !src.done(); ++step) model.step(src);
  model.finish();
}

// Every layer alone, and two and three of them in every order.
using Orders = std::tuple<Layers<Filled>, Layers<Guarded>, Layers<Tracking>, Layers<Filled, Guarded>,
                          Layers<Guarded, Filled>, Layers<Filled, Tracking>, Layers<Tracking, Filled>,
                          Layers<Guarded, Tracking>, Layers<Tracking, Guarded>, Layers<Filled, Guarded, Tracking>,
                          Layers<Filled, Tracking, Guarded>, Layers<Guarded, Filled, Tracking>,
                          Layers<Guarded, Tracking, Filled>, Layers<Tracking, Filled, Guarded>,
                          Layers<Tracking, Guarded, Filled>>;
using Bases = std::tuple<NewBase, PoolBase, StackBase, HeapBase>;

struct Combination {
  Shape shape;
  void (*run)(Source&, std::size_t);
};

template <class B, template <class> class... Ls>
constexpr Combination combination(Layers<Ls...>) {
  return {shape_of<B, Ls...>(), &run_stack<B, Ls...>};
}

template <class B, std::size_t... O>
constexpr auto combinations_over(std::index_sequence<O...>) {
  return std::array<Combination, sizeof...(O)>{combination<B>(std::tuple_element_t<O, Orders>{})...};
}

template <std::size_t... B>
constexpr auto all_combinations(std::index_sequence<B...>) {
  constexpr std::size_t orders = std::tuple_size_v<Orders>;
  std::array<Combination, sizeof...(B) * orders> all{};
  std::size_t i = 0;
  for (const auto& group :
       {combinations_over<std::tuple_element_t<B, Bases>>(std::make_index_sequence<orders>{})...}) {
    for (const Combination& c : group) all[i++] = c;
  }
  return all;
}

inline constexpr auto combinations = all_combinations(std::make_index_sequence<std::tuple_size_v<Bases>>{});

}  // namespace debug_layers

// The fuzzer's entry: the first byte picks the stack, the rest drive its operations.
inline void run_debug_layers(Source& src, std::size_t steps) {
  const auto& c = debug_layers::combinations[src.below(static_cast<std::uint32_t>(debug_layers::combinations.size()))];
  c.run(src, steps);
}

}  // namespace fm::model
