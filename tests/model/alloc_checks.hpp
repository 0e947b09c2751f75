// Checks the allocator model harnesses share: live blocks by address that must never overlap, contents derived
// from a block's id (written on allocate, verified on free), and how a call ended (accepted or which error),
// with check_free held to predict deallocate exactly.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <iterator>
#include <map>
#include <string>
#include <utility>

#include "fm/core/error.hpp"
#include "model/source.hpp"

namespace fm::model {

// Byte i of block `id`: cheap, and different for neighbouring ids and offsets.
[[nodiscard]] inline std::byte pattern_byte(std::uint64_t id, std::size_t i) noexcept {
  return static_cast<std::byte>((id * 0x9E3779B1u + i * 31u) >> 3);
}

inline void fill_pattern(void* p, std::size_t size, std::uint64_t id) noexcept {
  auto* b = static_cast<std::byte*>(p);
  for (std::size_t i = 0; i < size; ++i) b[i] = pattern_byte(id, i);
}

inline void expect_pattern(const void* p, std::size_t size, std::uint64_t id, const std::string& what) {
  const auto* b = static_cast<const std::byte*>(p);
  for (std::size_t i = 0; i < size; ++i) {
    if (b[i] != pattern_byte(id, i)) {
      throw mismatch(what + ": byte " + std::to_string(i) + " of block " + std::to_string(id) + " (" +
                     std::to_string(size) + " bytes) was overwritten");
    }
  }
}

// Whether `p` lies in the block at `start` (aligned to `align`, `usable` bytes) or in the alignment padding
// before it: freeing `p` again could then be a legal free of that block as far as any heap can tell, so it
// is no double free to test.
[[nodiscard]] inline bool within_reach(const void* p, std::uintptr_t start, std::size_t align, std::size_t usable) {
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  return start - std::min(start, align) < at && at < start + std::max<std::size_t>(usable, 1);
}

// Live blocks by start address, each with its size and id. Zero-size blocks own no bytes and may share an
// address with the next block, so they are kept apart and never overlap anything.
template <class Extra = char>
class LiveBlocks {
 public:
  struct Block {
    std::size_t size;
    std::uint64_t id;
    Extra extra;
    bool patterned;  // false for memory the allocator built an object in: only its place is checked
  };

  // Records a new block, failing the model when it overlaps a live one; fills it with its pattern unless told
  // the block holds an object.
  void insert(void* p, std::size_t size, std::uint64_t id, Extra extra = {}, bool patterned = true) {
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    if (size == 0) {
      empty_.emplace(a, Block{size, id, extra, false});
      return;
    }
    auto next = blocks_.lower_bound(a);
    expect(next == blocks_.end() || a + size <= next->first, "a new block overlaps the live block after it");
    expect(next == blocks_.begin() || std::prev(next)->first + std::prev(next)->second.size <= a,
           "a new block overlaps the live block before it");
    blocks_.emplace_hint(next, a, Block{size, id, extra, patterned});
    if (patterned) fill_pattern(p, size, id);
  }
  // The live block starting at `p` (a sized one first), or null.
  [[nodiscard]] const Block* find(const void* p) const {
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    if (auto it = blocks_.find(a); it != blocks_.end()) return &it->second;
    if (auto it = empty_.find(a); it != empty_.end()) return &it->second;
    return nullptr;
  }
  // Verifies the contents of the block at `p` and forgets it (the sized one when a zero-size one shares p).
  void erase(const void* p, const std::string& what) {
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    if (auto it = blocks_.find(a); it != blocks_.end()) {
      if (it->second.patterned) expect_pattern(p, it->second.size, it->second.id, what);
      blocks_.erase(it);
    } else if (auto e = empty_.find(a); e != empty_.end()) {
      empty_.erase(e);
    } else {
      expect(false, what + ": no live block at the address freed");
    }
  }
  void verify_all(const std::string& what) const {
    for (const auto& [a, b] : blocks_) {
      if (b.patterned) expect_pattern(reinterpret_cast<const void*>(a), b.size, b.id, what);
    }
  }
  void clear() {
    blocks_.clear();
    empty_.clear();
  }
  [[nodiscard]] std::size_t size() const noexcept { return blocks_.size() + empty_.size(); }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }
  // The i-th live block (sized ones in address order, then the zero-size ones), for picking one at random.
  [[nodiscard]] std::pair<void*, Block> at(std::size_t i) const {
    auto pick = [](const auto& map, std::size_t k) {
      auto it = std::next(map.begin(), static_cast<std::ptrdiff_t>(k));
      return std::pair<void*, Block>{reinterpret_cast<void*>(it->first), it->second};
    };
    return i < blocks_.size() ? pick(blocks_, i) : pick(empty_, i - blocks_.size());
  }
  template <class F>
  void for_each(F&& f) const {
    for (const auto& [a, b] : blocks_) f(reinterpret_cast<void*>(a), b);
    for (const auto& [a, b] : empty_) f(reinterpret_cast<void*>(a), b);
  }

 private:
  std::map<std::uintptr_t, Block> blocks_;
  std::multimap<std::uintptr_t, Block> empty_;
};

// How an allocator call ended, as the model predicts it. Any other exception escapes and fails the harness.
enum class Outcome { accepted, bad_free, bad_alignment, out_of_memory };

[[nodiscard]] inline const char* outcome_name(Outcome o) noexcept {
  switch (o) {
    case Outcome::accepted: return "accepted";
    case Outcome::bad_free: return "fm::bad_free";
    case Outcome::bad_alignment: return "fm::bad_alignment";
    case Outcome::out_of_memory: return "fm::out_of_memory";
  }
  return "?";
}

// Runs `f` and says how it ended; `message` gets the error's what().
template <class F>
[[nodiscard]] Outcome outcome_of(F&& f, std::string* message = nullptr) {
  auto note = [&](const std::exception& e, Outcome o) {
    if (message != nullptr) *message = e.what();
    return o;
  };
  try {
    f();
    return Outcome::accepted;
  } catch (const fm::bad_free& e) {
    return note(e, Outcome::bad_free);
  } catch (const fm::bad_alignment& e) {
    return note(e, Outcome::bad_alignment);
  } catch (const fm::out_of_memory& e) {
    return note(e, Outcome::out_of_memory);
  }
}

inline void expect_outcome(Outcome got, Outcome want, const std::string& what) {
  expect(got == want, what + ": expected " + outcome_name(want) + ", got " + outcome_name(got));
}

// Allocates `size` bytes aligned to `align` with try_allocate (when `use_try`) or allocate, into `p`, and says
// how it ended. A try_ twin answers every failure with null, so the outcome the model wants becomes
// out_of_memory for it: pass the model's prediction as `want` and compare with the result.
template <class A>
[[nodiscard]] Outcome allocate_via(A& a, bool use_try, std::size_t size, std::size_t align, void*& p) {
  if (!use_try) return outcome_of([&] { p = a.allocate(size, align); });
  p = a.try_allocate(size, align);
  return p != nullptr ? Outcome::accepted : Outcome::out_of_memory;
}
[[nodiscard]] inline Outcome as_seen_by(bool use_try, Outcome want) noexcept {
  return use_try && want != Outcome::accepted ? Outcome::out_of_memory : want;
}

// A free checked the way debug layers use it: check_free must predict deallocate exactly (same outcome and
// message), and both must match the model. Returns the outcome.
template <class A>
Outcome checked_free(A& a, void* p, std::size_t size, std::size_t align, Outcome want, const std::string& what) {
  std::string predicted;
  std::string actual;
  const Outcome check = outcome_of([&] { a.check_free(p, size, align); }, &predicted);
  expect_outcome(check, want, what + " (check_free)");
  const Outcome got = outcome_of([&] { a.deallocate(p, size, align); }, &actual);
  expect_outcome(got, want, what + " (deallocate)");
  expect(predicted == actual, what + ": check_free said '" + predicted + "' but deallocate '" + actual + "'");
  return got;
}

}  // namespace fm::model
