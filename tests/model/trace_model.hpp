// The trace format's reference model: random event streams (misuse included) written by fm::trace::Writer
// and read back by fm::trace::parse, which must return exactly the events written, with the block each one
// ends, or reject the first misuse with its event number — and never crash on a damaged file.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "fm/trace/reader.hpp"
#include "fm/trace/writer.hpp"
#include "model/source.hpp"

namespace fm::model {

// A scratch file per process and name, removed when done.
class ScratchFile {
 public:
  explicit ScratchFile(const std::string& name)
      : path_((std::filesystem::temp_directory_path() / ("fm_" + name + "_" + std::to_string(::getpid()) + ".fmt")).string()) {}
  ~ScratchFile() { std::filesystem::remove(path_); }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] std::vector<std::uint8_t> bytes() const {
    std::ifstream in(path_, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

 private:
  std::string path_;
};

// What one thread recorded, as the model knows it: the events (stamps left 0) and, per event, the ids of
// the blocks it ends, sorted.
struct RecordedStream {
  std::vector<trace::Event> events;
  std::vector<std::vector<std::uint64_t>> ends;
};

// The model of one thread's recording: live ids per system in creation order, ids that were freed, the
// open frame. `misuse` is set when the stream ends with an event the reader must reject, with the phrase
// its message must contain.
class TraceStreamModel {
 public:
  // `frames`: whether this thread records frame boundaries (one thread of a trace does).
  TraceStreamModel(std::uint32_t systems, std::uint64_t id_base, bool frames)
      : live_(systems), id_base_(id_base), frames_(frames) {}

  // Records one random event (or a misuse, ending the stream) through `w` and the model; false once the
  // stream has ended with a misuse.
  bool step(Source& src, trace::Writer& w, const std::vector<std::uint32_t>& systems, bool allow_misuse) {
    if (!misuse.empty()) return false;
    trace::Event e;
    e.sequence = out.events.size();
    std::vector<std::uint64_t> ends;
    const bool misuse_now = allow_misuse && src.chance(3);
    unsigned pick = src.below(frames_ ? 9 : 7);
    if (pick >= 3 && pick <= 5 && !misuse_now && !has_live()) pick = 0;
    switch (pick) {
      case 0:
      case 1:
      case 2: {
        e.op = trace::Op::allocate;
        e.system = src.below(static_cast<std::uint32_t>(live_.size()));
        e.id = fresh_id(src);
        e.size = src.size();
        if (!allow_misuse && e.size > trace::max_size) e.size %= std::uint64_t{1} << 20;
        e.align = alignment(src, misuse_now);
        if (e.size > trace::max_size) misuse = "absurd size";
        if (e.align > (std::uint64_t{1} << trace::max_align_log2)) misuse = "alignment 2^";
        w.allocate(systems[e.system], e.id, e.size, e.align);
        if (misuse.empty()) live_[e.system].push_back(e.id);
        break;
      }
      case 3:
      case 4: {
        e.op = trace::Op::free;
        e.id = victim(src, misuse_now);
        w.free(e.id);
        if (misuse.empty()) ends.push_back(end(e.id));
        break;
      }
      case 5: {
        e.op = trace::Op::realloc;
        e.id = victim(src, misuse_now);
        e.new_id = src.chance(30) ? e.id : fresh_id(src);
        e.size = src.below(1u << 16);
        e.align = alignment(src, false);
        w.realloc(e.id, e.new_id, e.size, e.align);
        if (misuse.empty()) {
          const std::uint32_t system = system_of(e.id);
          ends.push_back(end(e.id));
          live_[system].push_back(e.new_id);
        }
        break;
      }
      case 6: {
        e.system = src.below(static_cast<std::uint32_t>(live_.size()));
        auto& live = live_[e.system];
        if (src.chance(50)) {
          e.op = trace::Op::reset;
          w.reset(systems[e.system]);
          ends = live;
        } else {
          e.op = trace::Op::rewind;
          e.count = misuse_now ? live.size() + 1 + src.below(3) : src.below(static_cast<std::uint32_t>(live.size()) + 1);
          w.rewind(systems[e.system], e.count);
          if (e.count > live.size()) {
            misuse = "rewind of";
          } else {
            ends.assign(live.end() - static_cast<std::ptrdiff_t>(e.count), live.end());
          }
        }
        if (misuse.empty()) {
          live.resize(live.size() - ends.size());
          for (const auto id : ends) freed_.insert(id);
        }
        break;
      }
      default: {
        e.op = frame_open_ ? trace::Op::frame_end : trace::Op::frame_begin;
        if (!frame_open_) ++frame_;
        e.frame = frame_;
        frame_open_ = !frame_open_;
        if (e.op == trace::Op::frame_begin) w.frame_begin(e.frame);
        else w.frame_end(e.frame);
        break;
      }
    }
    std::sort(ends.begin(), ends.end());
    const bool tagged = e.op == trace::Op::allocate || e.op == trace::Op::reset || e.op == trace::Op::rewind;
    if (tagged) e.system = systems[e.system];  // the model's index -> the trace's system number
    out.events.push_back(e);
    out.ends.push_back(ends);
    return misuse.empty();
  }

  RecordedStream out;
  std::string misuse;

 private:
  // Mostly a small address space, so addresses come back after a free as they do in a real allocator.
  std::uint64_t fresh_id(Source& src) {
    for (int tries = 0; tries < 4; ++tries) {
      const std::uint64_t id = id_base_ + 16 * src.below(64);
      if (!is_live(id)) return id;
    }
    return id_base_ + 0x100000 + 16 * (next_fresh_++);
  }
  std::uint64_t alignment(Source& src, bool misuse_now) {
    if (misuse_now && src.chance(30)) return std::uint64_t{1} << (trace::max_align_log2 + 1 + src.below(23));
    return std::uint64_t{1} << (src.chance(5) ? src.below(trace::max_align_log2 + 1) : src.below(13));
  }
  // A live block to end, or — as misuse, or when nothing is live — a freed or never-seen id.
  std::uint64_t victim(Source& src, bool misuse_now) {
    std::vector<std::uint64_t> all;
    for (const auto& l : live_) all.insert(all.end(), l.begin(), l.end());
    if (!misuse_now && !all.empty()) return all[src.below(static_cast<std::uint32_t>(all.size()))];
    std::vector<std::uint64_t> dead;
    for (const auto id : freed_) {
      if (!is_live(id)) dead.push_back(id);
    }
    if (!dead.empty() && src.chance(60)) {
      misuse = "double free of block";
      return dead[src.below(static_cast<std::uint32_t>(dead.size()))];
    }
    misuse = "free of unknown block";
    return 0xDEAD0000 + 16 * src.below(1000);
  }
  bool has_live() const {
    return std::any_of(live_.begin(), live_.end(), [](const auto& l) { return !l.empty(); });
  }
  bool is_live(std::uint64_t id) const {
    return std::any_of(live_.begin(), live_.end(),
                       [&](const auto& l) { return std::find(l.begin(), l.end(), id) != l.end(); });
  }
  std::uint32_t system_of(std::uint64_t id) const {
    for (std::uint32_t s = 0; s < live_.size(); ++s) {
      if (std::find(live_[s].begin(), live_[s].end(), id) != live_[s].end()) return s;
    }
    return 0;
  }
  std::uint64_t end(std::uint64_t id) {
    for (auto& l : live_) std::erase(l, id);
    freed_.insert(id);
    return id;
  }

  std::vector<std::vector<std::uint64_t>> live_;
  std::set<std::uint64_t> freed_;
  std::uint64_t id_base_;
  std::uint64_t next_fresh_ = 0;
  bool frames_;
  std::uint64_t frame_ = 0;
  bool frame_open_ = false;
};

// The events of `thread` in a trace read back, with the ids each ends, for comparing with a stream.
inline RecordedStream read_back(const trace::Trace& t, std::uint32_t thread) {
  RecordedStream r;
  for (std::uint64_t i = 0; i < t.events.size(); ++i) {
    if (t.events[i].thread != thread) continue;
    trace::Event e = t.events[i];
    e.stamp = 0;
    e.time = 0;
    r.events.push_back(e);
    std::vector<std::uint64_t> ids;
    for (const auto b : t.ends(i)) ids.push_back(t.blocks[b].id);
    std::sort(ids.begin(), ids.end());
    r.ends.push_back(ids);
  }
  return r;
}

inline void expect_same(const RecordedStream& written, const RecordedStream& read, std::uint32_t thread) {
  const std::string who = "thread " + std::to_string(thread) + ": ";
  expect(read.events.size() == written.events.size(),
         who + std::to_string(read.events.size()) + " events read, " + std::to_string(written.events.size()) + " written");
  for (std::size_t i = 0; i < written.events.size(); ++i) {
    trace::Event w = written.events[i];
    w.thread = thread;
    expect(read.events[i] == w, who + "event " + std::to_string(i) + " (op " +
                                    std::to_string(static_cast<int>(w.op)) + ") read back differently");
    expect(read.ends[i] == written.ends[i], who + "event " + std::to_string(i) + " ends other blocks than written");
  }
}

// Damaged copies of a valid trace: any cut is rejected as a bad_trace; a flipped byte is rejected as a
// bad_trace or read as some valid trace, never anything else.
inline void check_damaged(Source& src, const std::vector<std::uint8_t>& good) {
  std::vector<std::uint8_t> cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(src.below(static_cast<std::uint32_t>(good.size()))));
  bool rejected = false;
  try {
    (void)trace::parse(cut, "cut.fmt");
  } catch (const trace::bad_trace&) {
    rejected = true;
  }
  expect(rejected, "a trace cut to " + std::to_string(cut.size()) + " of " + std::to_string(good.size()) +
                       " bytes was accepted");
  std::vector<std::uint8_t> flipped = good;
  flipped[src.below(static_cast<std::uint32_t>(flipped.size()))] ^= static_cast<std::uint8_t>(1u << src.below(8));
  try {
    (void)trace::parse(flipped, "flipped.fmt");
  } catch (const trace::bad_trace&) {
  }
}

// One thread's random stream through a Writer with small chunks (so chunk boundaries and back-pressure
// happen), then read back and compared, or the misuse found at its event.
inline void run_trace(Source& src, std::size_t steps) {
  const ScratchFile file("trace_model");
  TraceStreamModel model(3, 0x10000, true);
  const bool allow_misuse = src.chance(50);  // half the sequences are valid to the end
  {
    trace::Writer w(file.path(), {.chunk_bytes = 256 + src.below(512), .chunks = 2 + src.below(4)});
    const std::vector<std::uint32_t> systems{w.system("particles"), w.system("entities"), w.system("scratch")};
    for (std::size_t step = 0; step < steps && !src.done(); ++step) {
      if (!model.step(src, w, systems, allow_misuse)) break;
    }
    w.close();
  }
  const std::vector<std::uint8_t> bytes = file.bytes();
  if (!model.misuse.empty()) {
    const std::uint64_t event = model.out.events.size();
    try {
      (void)trace::parse(bytes, "model.fmt");
    } catch (const trace::bad_trace& e) {
      expect(e.event() == event && std::string(e.what()).find(model.misuse) != std::string::npos,
             "expected '" + model.misuse + "' at event " + std::to_string(event) + ", got: " + e.what());
      return;
    }
    expect(false, "the trace was accepted despite '" + model.misuse + "' at event " + std::to_string(event));
  }
  trace::Trace t;
  try {
    t = trace::parse(bytes, "model.fmt");
  } catch (const trace::bad_trace& e) {
    expect(false, std::string("a valid trace was rejected: ") + e.what());
  }
  expect(t.systems == std::vector<std::string>{"particles", "entities", "scratch"}, "system table read back differently");
  expect(t.threads.size() == (model.out.events.empty() ? 0u : 1u), "thread table has the wrong size");
  expect_same(model.out, read_back(t, 0), 0);
  check_damaged(src, bytes);
}

}  // namespace fm::model
