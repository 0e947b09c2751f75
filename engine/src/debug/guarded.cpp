// Out-of-line part of fm::Guarded: guard checks and the wording of guard_overwritten.
#include "fm/debug/guarded.hpp"

#include <cstdio>

namespace fm {

namespace debug {

namespace {

// Index of the first byte in [p, p + n) that is not the guard fill, scanning from the end when
// `from_end` (an underrun hits the bytes nearest the block first).
std::optional<std::size_t> first_bad(const unsigned char* p, std::size_t n, bool from_end) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t at = from_end ? n - 1 - i : i;
    if (p[at] != fill::guard) return i;
  }
  return std::nullopt;
}

}  // namespace

out_of_memory guarded_too_large(std::string_view allocator, std::size_t size, std::size_t align,
                                std::size_t guard_bytes) {
  const std::size_t largest = GuardLayout::too_large - GuardLayout::of(0, align, guard_bytes).total;
  return out_of_memory(allocator, size, align, largest, "the size with its header and guard bytes overflows");
}

bad_free guarded_size_mismatch(std::string_view allocator, const void* p, const GuardHeader& h, std::size_t size,
                               std::size_t align) {
  return bad_free("size mismatch in '" + std::string(allocator) + "': block #" + std::to_string(h.serial) + " at " +
                  describe_address(p) + " freed as " + std::to_string(size) + " bytes aligned to " +
                  std::to_string(align) + ", allocated as " + std::to_string(h.size) + " bytes aligned to " +
                  std::to_string(h.align));
}

bad_free guarded_impossible_free(std::string_view allocator, const void* p, std::size_t size, std::size_t align) {
  return bad_free("size mismatch in '" + std::string(allocator) + "': " + describe_address(p) + " freed as " +
                  std::to_string(size) + " bytes aligned to " + std::to_string(align) +
                  ", which no block of this allocator can have");
}

bad_free guarded_double_free(std::string_view allocator, const void* p) {
  return bad_free("double free in '" + std::string(allocator) + "': the block at " + describe_address(p) +
                  " was already freed");
}

std::optional<GuardViolation> check_guards(const GuardHeader& h, std::size_t guard_bytes) noexcept {
  const auto layout = GuardLayout::of(h.size, h.align, guard_bytes);
  const auto* raw = reinterpret_cast<const unsigned char*>(&h);
  const unsigned char* user = raw + layout.front;
  GuardViolation v{user, h.size, h.serial};
  const std::size_t front_guard = layout.front - sizeof(GuardHeader);
  if (auto i = first_bad(raw + sizeof(GuardHeader), front_guard, true)) {
    v.side = GuardViolation::Side::before;
    v.offset = -static_cast<std::ptrdiff_t>(*i + 1);
    v.found = user[v.offset];
    return v;
  }
  if (auto i = first_bad(user + h.size, guard_bytes, false)) {
    v.side = GuardViolation::Side::after;
    v.offset = static_cast<std::ptrdiff_t>(h.size + *i);
    v.found = user[v.offset];
    return v;
  }
  return std::nullopt;
}

}  // namespace debug

namespace {

std::string describe(std::string_view allocator, const GuardViolation& v) {
  char found[8];
  std::snprintf(found, sizeof found, "0x%02X", v.found);
  char expected[8];
  std::snprintf(expected, sizeof expected, "0x%02X", fill::guard);
  const bool before = v.side == GuardViolation::Side::before;
  return "guard overwritten in '" + std::string(allocator) + "': block #" + std::to_string(v.serial) + " (" +
         std::to_string(v.size) + " bytes at " + debug::describe_address(v.block) + ") " +
         (before ? "underrun before its start" : "overrun after its end") + " at offset " +
         std::to_string(v.offset) + ": found " + found + ", expected " + expected;
}

}  // namespace

guard_overwritten::guard_overwritten(std::string_view allocator, const GuardViolation& v)
    : error(describe(allocator, v)), violation_(v) {}

}  // namespace fm
