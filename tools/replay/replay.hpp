// The replay of one trace in this process: a plan written once from a validated trace into a memory file
// (which a child process inherits), mapped and faulted in before the clock starts; one thread per recorded
// thread, every block written on allocate and verified on free; RSS figures that are the allocator's.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "fm/trace/reader.hpp"

namespace fm::replay {

// What one replay measured. Times in nanoseconds, RSS in KiB; per-frame series are sampled at frame ends.
// The allocator's RSS is the process RSS minus the process RSS sampled just before the first event: by then
// the replayer's binary, libraries, threads and its plan (mapped privately and fully faulted in) are
// resident, and the allocator has served nothing of the trace and nothing of the replayer but a few small
// objects (its arguments, its threads' handles), because the trace was read and planned in another process.
struct Result {
  std::string allocator;
  bool preloaded = false;  // the allocator's library is mapped in this process (always true for glibc)
  std::uint64_t events = 0;
  std::uint64_t blocks = 0;
  std::uint64_t verified = 0;  // blocks whose contents were checked when they ended (or at the end)
  std::uint64_t threads = 0;
  std::uint64_t total_ns = 0;
  std::uint64_t process_rss_at_start_kb = 0;  // the process RSS just before the first event (the replayer's)
  std::uint64_t plan_rss_kb = 0;              // of which the plan mapping, from /proc/self/smaps
  // The largest process RSS (replayer and allocator) sampled at frame ends and at the end of the trace, or
  // the kernel's high-water mark since the moment before the first event (VmHWM), whichever is larger.
  std::uint64_t process_peak_rss_kb = 0;
  std::uint64_t allocator_peak_rss_kb = 0;  // that peak minus process_rss_at_start_kb
  std::vector<std::uint64_t> frame_ns;
  std::vector<std::uint64_t> allocator_rss_kb;  // at each frame end
  std::vector<std::uint64_t> live_bytes;        // at each frame end: bytes the trace holds allocated
};

// The fields of Result, each once with its JSON key: to_json writes them in this order and from_json reads
// them back, so a field added here reaches both (and the round-trip test).
template <class R, class Visit>
  requires std::same_as<std::remove_const_t<R>, Result>
void for_each_field(R& r, Visit&& visit) {
  visit("allocator", r.allocator);
  visit("preloaded", r.preloaded);
  visit("events", r.events);
  visit("blocks", r.blocks);
  visit("verified", r.verified);
  visit("threads", r.threads);
  visit("total_ns", r.total_ns);
  visit("process_rss_at_start_kb", r.process_rss_at_start_kb);
  visit("plan_rss_kb", r.plan_rss_kb);
  visit("process_peak_rss_kb", r.process_peak_rss_kb);
  visit("allocator_peak_rss_kb", r.allocator_peak_rss_kb);
  visit("frame_ns", r.frame_ns);
  visit("allocator_rss_kb", r.allocator_rss_kb);
  visit("live_bytes", r.live_bytes);
}

// Exit statuses of the tool (documented in its --help).
inline constexpr int exit_ok = 0;
inline constexpr int exit_usage = 1;
inline constexpr int exit_bad_input = 2;
inline constexpr int exit_corrupted = 3;
inline constexpr int exit_out_of_memory = 4;

// Writes the replay plan of a validated trace (one step per event, in each recorded thread's order; one
// slot per block) into a memory file and returns its descriptor, which a child process inherits, so the
// allocator under test never serves the reader's or the planner's memory. Throws fm::error when the
// system refuses the memory.
[[nodiscard]] int write_plan(const trace::Trace& trace);

// Replays the plan in `plan_fd` with the process's malloc, from a private copy of the plan mapped and
// faulted in before the clock starts. A corrupted block or a null from the allocator prints what and where,
// and exits the process with exit_corrupted / exit_out_of_memory; a descriptor without a plan throws
// fm::error.
[[nodiscard]] Result replay(int plan_fd, const std::string& allocator);

[[nodiscard]] std::string to_json(const Result& r);
[[nodiscard]] Result from_json(const std::string& line);  // throws fm::error on a malformed line

}  // namespace fm::replay
