// fm::trace::read: loads a trace (docs/trace.md) and validates all of it — framing, every event, and what
// the events mean together (no unknown block, no double free) — before a replay may start, and works out
// which block every event creates and ends.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fm/core/error.hpp"
#include "fm/trace/format.hpp"

namespace fm::trace {

// A trace the reader refused: "<file>: byte <offset>, event <n>: <what>; expected <expected>". `event` is
// 1-based in file order, 0 when the problem is outside any event (header, record framing).
class bad_trace : public error {
 public:
  bad_trace(std::string file, std::uint64_t offset, std::uint64_t event, std::string_view what,
            std::string_view expected);
  [[nodiscard]] const std::string& file() const noexcept { return file_; }
  [[nodiscard]] std::uint64_t offset() const noexcept { return offset_; }
  [[nodiscard]] std::uint64_t event() const noexcept { return event_; }

 private:
  std::string file_;
  std::uint64_t offset_;
  std::uint64_t event_;
};

inline constexpr std::uint64_t no_block = std::numeric_limits<std::uint64_t>::max();

// One block's life: created by an allocate or realloc, ended by a free, realloc, reset or rewind (or never).
struct Block {
  std::uint64_t id = 0;  // the recorded address
  std::uint64_t size = 0;
  std::uint64_t align = 1;
  std::uint32_t system = 0;
  std::uint64_t created_by = 0;       // event index (0-based, file order)
  std::uint64_t ended_by = no_block;  // event index, or no_block when the trace ends with it live
};

struct Trace {
  std::string file;
  std::uint64_t start_time = 0;  // wall clock, ns since the Unix epoch
  std::vector<std::string> threads;
  std::vector<std::string> systems;
  std::vector<Event> events;           // file order; each thread's events in sequence order
  std::vector<std::uint64_t> offsets;  // byte offset of each event
  std::vector<Block> blocks;           // in stamp order of creation
  std::vector<std::uint64_t> created;  // per event: the block it creates, or no_block
  // Blocks each event ends: ended[ended_begin[i] .. ended_begin[i + 1]) for event i.
  std::vector<std::uint64_t> ended_begin;
  std::vector<std::uint64_t> ended;
  std::uint64_t bytes = 0;  // file size
  // Events the program recorded while the writer closed, left out of the file (its END record says how many):
  // the file holds each thread's events up to its first dropped one (docs/trace.md, "Closing while threads
  // record").
  std::uint64_t events_dropped = 0;

  [[nodiscard]] std::span<const std::uint64_t> ends(std::uint64_t event) const noexcept {
    return {ended.data() + ended_begin[event], ended.data() + ended_begin[event + 1]};
  }
};

// Reads and validates the whole file; throws bad_trace naming the first problem, fm::error when the file
// cannot be read at all.
[[nodiscard]] Trace read(const std::string& path);
// The same for bytes already in memory; `file` names them in errors.
[[nodiscard]] Trace parse(std::span<const std::uint8_t> bytes, std::string file);

}  // namespace fm::trace
