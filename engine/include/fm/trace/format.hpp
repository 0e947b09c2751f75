// The trace format's constants and encoding primitives (docs/trace.md is the specification): the header
// magic and version, record kinds, event ops, LEB128 varints and zigzag deltas, shared by writer and reader.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "fm/config.hpp"

namespace fm::trace {

inline constexpr std::array<std::uint8_t, 8> magic{'F', 'M', 'T', 'R', 'A', 'C', 'E', 0x1A};
inline constexpr std::uint16_t version = 2;
inline constexpr std::uint64_t ticks_per_second = 1'000'000'000;
inline constexpr char clock_name[] = "steady_clock";
inline constexpr std::size_t max_name_bytes = 4096;
// Larger requests are rejected by the reader as absurd: no recorded program gets 1 TiB in one block.
inline constexpr std::uint64_t max_size = std::uint64_t{1} << 40;
inline constexpr unsigned max_align_log2 = 40;
inline constexpr std::size_t max_varint_bytes = 10;

enum class Record : std::uint8_t { thread = 1, system = 2, chunk = 3, end = 4 };

enum class Op : std::uint8_t {
  allocate = 0,
  free = 1,
  realloc = 2,
  reset = 3,
  rewind = 4,
  frame_begin = 5,
  frame_end = 6,
};
inline constexpr unsigned op_bits = 3;
inline constexpr std::uint8_t op_mask = (1u << op_bits) - 1;
// In the op byte of ALLOCATE / REALLOC, log2 alignments up to 30 fit the high bits; 31 says a varint follows.
inline constexpr unsigned align_escape = 31;

// Writes `v` as LEB128 at `out`; returns the byte after it. `out` must have max_varint_bytes of room.
inline std::uint8_t* put_varint(std::uint8_t* out, std::uint64_t v) noexcept {
  while (v >= 0x80) {
    *out++ = static_cast<std::uint8_t>(v | 0x80);
    v >>= 7;
  }
  *out++ = static_cast<std::uint8_t>(v);
  return out;
}

[[nodiscard]] constexpr std::uint64_t zigzag(std::int64_t v) noexcept {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
[[nodiscard]] constexpr std::int64_t unzigzag(std::uint64_t v) noexcept {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

// Reads a LEB128 value from [*in, end); false (and *in unchanged) when it runs past `end` or is over-long.
inline bool get_varint(const std::uint8_t** in, const std::uint8_t* end, std::uint64_t* v) noexcept {
  std::uint64_t value = 0;
  const std::uint8_t* p = *in;
  for (unsigned i = 0; i < max_varint_bytes; ++i) {
    if (p == end) return false;
    const std::uint8_t byte = *p++;
    if (i == max_varint_bytes - 1 && byte > 1) return false;  // bits beyond 64
    value |= std::uint64_t{byte & 0x7Fu} << (7 * i);
    if (!(byte & 0x80)) {
      *in = p;
      *v = value;
      return true;
    }
  }
  return false;
}

// One decoded event, as the reader returns it and the round-trip tests compare it.
struct Event {
  Op op = Op::allocate;
  std::uint32_t thread = 0;
  std::uint64_t sequence = 0;   // per-thread sequence number
  // Process-wide order. In the file a logical clock (ties between threads broken by thread number); the
  // reader replaces it by the event's place in that order, 1, 2, 3..., unique across threads.
  std::uint64_t stamp = 0;
  std::uint32_t system = 0;     // allocate, reset, rewind
  std::uint64_t id = 0;         // allocate, free; realloc: the old block
  std::uint64_t new_id = 0;     // realloc: the new block
  std::uint64_t size = 0;       // allocate, realloc
  std::uint64_t align = 1;      // allocate, realloc
  std::uint64_t count = 0;      // rewind
  std::uint64_t frame = 0;      // frame begin / end
  std::uint64_t time = 0;       // frame begin / end: ticks since the trace's start time

  friend bool operator==(const Event&, const Event&) = default;
};

}  // namespace fm::trace
