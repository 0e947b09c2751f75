// The validating trace reader: first the file's framing and every event's encoding, in file order, then
// the events' meaning in stamp order across threads (block lifetimes, frames), each failure a bad_trace
// naming file, byte offset, event number and what was expected.
#include "fm/trace/reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>
#include <unordered_map>

namespace fm::trace {

namespace {

std::string hex(std::uint64_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << v;
  return s.str();
}

std::string message(const std::string& file, std::uint64_t offset, std::uint64_t event, std::string_view what,
                    std::string_view expected) {
  std::string m = file + ": byte " + std::to_string(offset);
  if (event != 0) m += ", event " + std::to_string(event);
  m += ": ";
  m += what;
  m += "; expected ";
  m += expected;
  return m;
}

// Reads primitives from [begin, end) and throws bad_trace with the current position on any failure.
class Cursor {
 public:
  Cursor(const Trace& t, const std::uint8_t* base, const std::uint8_t* at, const std::uint8_t* end) noexcept
      : trace_(t), base_(base), at_(at), end_(end) {}

  [[noreturn]] void fail(std::string_view what, std::string_view expected) const {
    fail_at(static_cast<std::uint64_t>(at_ - base_), what, expected);
  }
  [[noreturn]] void fail_at(std::uint64_t offset, std::string_view what, std::string_view expected) const {
    raise(bad_trace(trace_.file, offset, event_, what, expected));
  }
  void set_event(std::uint64_t number) noexcept { event_ = number; }

  std::uint8_t byte(std::string_view field) {
    if (at_ == end_) truncated(field);
    return *at_++;
  }
  std::uint64_t varint(std::string_view field) {
    std::uint64_t v = 0;
    if (!get_varint(&at_, end_, &v)) {
      const std::uint8_t* p = at_;
      while (p != end_ && (*p & 0x80) && p - at_ < static_cast<std::ptrdiff_t>(max_varint_bytes)) ++p;
      if (p == end_) truncated(field);
      fail(std::string("malformed varint for ") + std::string(field), "at most 10 bytes holding a 64-bit value");
    }
    return v;
  }
  std::string string(std::string_view field) {
    const std::uint64_t n = varint(field);
    if (n > max_name_bytes) {
      fail(std::string(field) + " of " + std::to_string(n) + " bytes",
           "at most " + std::to_string(max_name_bytes) + " bytes");
    }
    if (static_cast<std::uint64_t>(end_ - at_) < n) truncated(field);
    std::string s(reinterpret_cast<const char*>(at_), n);
    at_ += n;
    return s;
  }
  [[noreturn]] void truncated(std::string_view field) const {
    fail(std::string("file ends inside ") + std::string(field), std::string(field) + " to be complete");
  }
  [[nodiscard]] std::uint64_t offset() const noexcept { return static_cast<std::uint64_t>(at_ - base_); }
  [[nodiscard]] const std::uint8_t* at() const noexcept { return at_; }
  [[nodiscard]] bool at_end() const noexcept { return at_ == end_; }
  void skip_to(const std::uint8_t* p) noexcept { at_ = p; }

 private:
  const Trace& trace_;
  const std::uint8_t* base_;
  const std::uint8_t* at_;
  const std::uint8_t* end_;
  std::uint64_t event_ = 0;
};

struct ThreadProgress {
  std::uint64_t next_sequence = 0;
  std::uint64_t last_stamp = 0;
};

class Parser {
 public:
  Parser(std::span<const std::uint8_t> bytes, Trace& t) : bytes_(bytes), t_(t) {}

  void run() {
    // No event is shorter than 3 bytes (op, stamp delta, one field): reserving for that many (up to a cap
    // that keeps the reservation well inside what the OS grants) avoids copying the event list as it
    // grows; pages never written are never touched.
    const std::size_t most_events = std::min<std::size_t>(bytes_.size() / 3, std::size_t{1} << 24);
    t_.events.reserve(most_events);
    t_.offsets.reserve(most_events);
    Cursor c(t_, bytes_.data(), bytes_.data(), bytes_.data() + bytes_.size());
    header(c);
    bool ended = false;
    while (!c.at_end()) {
      if (ended) c.fail("bytes after the END record", "the END record to be last");
      ended = record(c);
    }
    if (!ended) c.fail("no END record (the file was cut short)", "an END record after the last chunk");
  }

 private:
  void header(Cursor& c) {
    for (std::size_t i = 0; i < magic.size(); ++i) {
      if (c.byte("the magic") != magic[i]) c.fail_at(0, "wrong magic (not a framemem trace)", "\"FMTRACE\\x1a\"");
    }
    const std::uint16_t v = c.byte("the version");
    const auto got = static_cast<std::uint16_t>(v | c.byte("the version") << 8);
    if (got != version) {
      c.fail_at(magic.size(), "version " + std::to_string(got), "version " + std::to_string(version));
    }
    const std::uint64_t clock_at = c.offset();
    if (c.string("the clock name") != clock_name) c.fail_at(clock_at, "unknown clock", clock_name);
    const std::uint64_t ticks_at = c.offset();
    if (c.varint("ticks per second") != ticks_per_second) {
      c.fail_at(ticks_at, "unsupported clock resolution", std::to_string(ticks_per_second) + " ticks per second");
    }
    t_.start_time = c.varint("the start time");
  }

  // One record; true for END.
  bool record(Cursor& c) {
    const std::uint64_t at = c.offset();
    const std::uint8_t kind = c.byte("a record kind");
    const std::uint64_t length = c.varint("a record length");
    if (length > static_cast<std::uint64_t>(bytes_.data() + bytes_.size() - c.at())) {
      c.fail_at(at, "record of " + std::to_string(length) + " bytes runs past the end of the file (truncated)",
                "a complete record");
    }
    const std::uint8_t* end = c.at() + length;
    Cursor r(t_, bytes_.data(), c.at(), end);
    bool is_end = false;
    switch (static_cast<Record>(kind)) {
      case Record::thread: definition(r, t_.threads, "thread"); break;
      case Record::system: definition(r, t_.systems, "system"); break;
      case Record::chunk: chunk(r); break;
      case Record::end: totals(r); is_end = true; break;
      default: c.fail_at(at, "unknown record kind " + std::to_string(kind), "1 (thread) to 4 (end)");
    }
    if (!r.at_end()) r.fail("record has bytes left over", "the record to end after its last field");
    c.skip_to(end);
    return is_end;
  }

  static void definition(Cursor& r, std::vector<std::string>& table, const char* what) {
    const std::uint64_t at = r.offset();
    const std::uint64_t number = r.varint(what);
    if (number != table.size()) {
      r.fail_at(at, std::string(what) + " number " + std::to_string(number),
                std::string(what) + " " + std::to_string(table.size()) + " (numbered in order of definition)");
    }
    table.push_back(r.string(std::string(what) + " name"));
  }

  void chunk(Cursor& r) {
    const std::uint64_t at = r.offset();
    const std::uint64_t thread = r.varint("a chunk's thread");
    if (thread >= t_.threads.size()) {
      r.fail_at(at, "chunk of undefined thread " + std::to_string(thread),
                "a thread below " + std::to_string(t_.threads.size()) + " (defined by an earlier THREAD record)");
    }
    progress_.resize(t_.threads.size());
    ThreadProgress& p = progress_[thread];
    const std::uint64_t seq_at = r.offset();
    const std::uint64_t first = r.varint("a chunk's first sequence number");
    if (first != p.next_sequence) {
      r.fail_at(seq_at, "thread " + std::to_string(thread) + " chunk starts at sequence " + std::to_string(first),
                "sequence " + std::to_string(p.next_sequence) + " (a chunk was lost or repeated)");
    }
    const std::uint64_t count = r.varint("a chunk's event count");
    std::uint64_t stamp = 0;
    std::uint64_t id = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
      if (r.at_end()) r.fail("chunk ends after " + std::to_string(i) + " of its " + std::to_string(count) + " events",
                             "as many events as the chunk says");
      Event e;
      e.thread = static_cast<std::uint32_t>(thread);
      e.sequence = first + i;
      t_.offsets.push_back(r.offset());
      r.set_event(t_.events.size() + 1);
      event(r, e, stamp, id);
      if (e.stamp <= p.last_stamp) {
        r.fail_at(t_.offsets.back(), "stamp " + std::to_string(e.stamp) + " not after the thread's previous one",
                  "stamps after " + std::to_string(p.last_stamp));
      }
      p.last_stamp = e.stamp;
      t_.events.push_back(e);
    }
    r.set_event(0);
    p.next_sequence = first + count;
  }

  void event(Cursor& r, Event& e, std::uint64_t& stamp, std::uint64_t& id) {
    const std::uint64_t at = r.offset();
    const std::uint8_t op = r.byte("an event");
    e.op = static_cast<Op>(op & op_mask);
    const unsigned high = op >> op_bits;
    const std::uint64_t delta = r.varint("a stamp delta");
    if (delta == 0) r.fail_at(at, "stamp delta 0", "a stamp after the previous event's");
    stamp += delta;
    e.stamp = stamp;
    const bool has_align = e.op == Op::allocate || e.op == Op::realloc;
    if (!has_align && high != 0) r.fail_at(at, "op byte " + hex(op), "the high bits zero for this op");
    if (has_align) e.align = alignment(r, high);
    const auto next_id = [&](const char* field) {
      id += static_cast<std::uint64_t>(unzigzag(r.varint(field)));
      return id;
    };
    switch (e.op) {
      case Op::allocate:
        e.system = system(r);
        e.id = next_id("a block id");
        e.size = size(r);
        break;
      case Op::free: e.id = next_id("a block id"); break;
      case Op::realloc:
        e.id = next_id("the old block id");
        e.new_id = next_id("the new block id");
        e.size = size(r);
        break;
      case Op::reset: e.system = system(r); break;
      case Op::rewind:
        e.system = system(r);
        e.count = r.varint("a rewind count");
        break;
      case Op::frame_begin:
      case Op::frame_end:
        e.frame = r.varint("a frame number");
        e.time = r.varint("a frame time");
        break;
      default: r.fail_at(at, "unknown op " + std::to_string(op & op_mask), "an op from 0 (allocate) to 6 (frame end)");
    }
  }

  static std::uint64_t alignment(Cursor& r, unsigned field) {
    const std::uint64_t at = r.offset();
    const std::uint64_t log2 = field == align_escape ? r.varint("a log2 alignment") : field;
    if (log2 > max_align_log2) {
      r.fail_at(at, "alignment 2^" + std::to_string(log2), "at most 2^" + std::to_string(max_align_log2));
    }
    return std::uint64_t{1} << log2;
  }

  std::uint32_t system(Cursor& r) const {
    const std::uint64_t at = r.offset();
    const std::uint64_t s = r.varint("a system");
    if (s >= t_.systems.size()) {
      r.fail_at(at, "undefined system " + std::to_string(s),
                "a system below " + std::to_string(t_.systems.size()) + " (defined by an earlier SYSTEM record)");
    }
    return static_cast<std::uint32_t>(s);
  }

  static std::uint64_t size(Cursor& r) {
    const std::uint64_t at = r.offset();
    const std::uint64_t n = r.varint("a size");
    if (n > max_size) r.fail_at(at, "absurd size " + std::to_string(n) + " bytes", "at most 2^40 bytes");
    return n;
  }

  void totals(Cursor& r) {
    const std::uint64_t at = r.offset();
    const std::uint64_t events = r.varint("the event total");
    const std::uint64_t threads = r.varint("the thread total");
    const std::uint64_t systems = r.varint("the system total");
    if (!r.at_end()) t_.events_dropped = r.varint("the count of events dropped while the trace closed");
    if (events != t_.events.size() || threads != t_.threads.size() || systems != t_.systems.size()) {
      r.fail_at(at,
                "END record counts " + std::to_string(events) + " events, " + std::to_string(threads) + " threads, " +
                    std::to_string(systems) + " systems",
                "what the file holds: " + std::to_string(t_.events.size()) + " events, " +
                    std::to_string(t_.threads.size()) + " threads, " + std::to_string(t_.systems.size()) + " systems");
    }
  }

  std::span<const std::uint8_t> bytes_;
  Trace& t_;
  std::vector<ThreadProgress> progress_;
};

// The events' meaning, in stamp order: which block each event creates and ends.
class Lifetimes {
 public:
  explicit Lifetimes(Trace& t) : t_(t), by_system_(t.systems.size()) {}

  void run() {
    // Stamps are logical clocks: two threads' events may share one only when neither was ordered before
    // the other, so ties may go either way; thread number breaks them.
    std::vector<std::uint64_t> order(t_.events.size());
    for (std::uint64_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::uint64_t a, std::uint64_t b) {
      const Event& x = t_.events[a];
      const Event& y = t_.events[b];
      return x.stamp != y.stamp ? x.stamp < y.stamp : x.thread < y.thread;
    });
    // From here on a stamp is the event's place in that order, unique, as replay and what-if use it.
    for (std::uint64_t k = 0; k < order.size(); ++k) t_.events[order[k]].stamp = k + 1;
    t_.created.assign(t_.events.size(), no_block);
    std::vector<std::vector<std::uint64_t>> ends(t_.events.size());
    for (const std::uint64_t i : order) step(i, ends[i]);
    t_.ended_begin.assign(1, 0);
    for (const auto& e : ends) {
      t_.ended.insert(t_.ended.end(), e.begin(), e.end());
      t_.ended_begin.push_back(t_.ended.size());
    }
  }

 private:
  [[noreturn]] void fail(std::uint64_t event, std::string_view what, std::string_view expected) const {
    raise(bad_trace(t_.file, t_.offsets[event], event + 1, what, expected));
  }

  void step(std::uint64_t i, std::vector<std::uint64_t>& ends) {
    const Event& e = t_.events[i];
    switch (e.op) {
      case Op::allocate: create(i, e.id, e.size, e.align, e.system); break;
      case Op::free: ends.push_back(end(i, e.id)); break;
      case Op::realloc: {
        const std::uint64_t old = end(i, e.id);
        ends.push_back(old);
        create(i, e.new_id, e.size, e.align, t_.blocks[old].system);
        break;
      }
      case Op::reset:
      case Op::rewind: {
        auto& live = by_system_[e.system];
        if (e.op == Op::rewind && e.count > live.size()) {
          fail(i, "rewind of " + std::to_string(e.count) + " blocks of system '" + t_.systems[e.system] + "'",
               "at most its " + std::to_string(live.size()) + " live blocks");
        }
        const std::uint64_t n = e.op == Op::reset ? live.size() : e.count;
        for (std::uint64_t k = 0; k < n; ++k) ends.push_back(end(i, t_.blocks[std::prev(live.end())->second].id));
        break;
      }
      case Op::frame_begin:
      case Op::frame_end: frame(i, e); break;
    }
  }

  void create(std::uint64_t i, std::uint64_t id, std::uint64_t size, std::uint64_t align, std::uint32_t system) {
    if (const auto it = live_.find(id); it != live_.end()) {
      fail(i, "allocate of block " + hex(id) + " while it is live (allocated by event " +
                  std::to_string(t_.blocks[it->second].created_by + 1) + ")",
           "a block not live");
    }
    const std::uint64_t b = t_.blocks.size();
    t_.blocks.push_back(Block{id, size, align, system, i, no_block});
    t_.created[i] = b;
    live_.emplace(id, b);
    freed_.erase(id);
    by_system_[system].emplace(t_.events[i].stamp, b);
  }

  std::uint64_t end(std::uint64_t i, std::uint64_t id) {
    const auto it = live_.find(id);
    if (it == live_.end()) {
      if (const auto f = freed_.find(id); f != freed_.end()) {
        const Block& b = t_.blocks[f->second];
        fail(i, "double free of block " + hex(id) + " (allocated by event " + std::to_string(b.created_by + 1) +
                    ", freed by event " + std::to_string(b.ended_by + 1) + ")",
             "a live block");
      }
      fail(i, "free of unknown block " + hex(id) + " (no event allocated it)", "a live block");
    }
    const std::uint64_t b = it->second;
    live_.erase(it);
    freed_[id] = b;
    t_.blocks[b].ended_by = i;
    by_system_[t_.blocks[b].system].erase(t_.events[t_.blocks[b].created_by].stamp);
    return b;
  }

  void frame(std::uint64_t i, const Event& e) {
    if (e.op == Op::frame_begin) {
      if (open_) {
        fail(i, "frame " + std::to_string(e.frame) + " begins while frame " + std::to_string(open_frame_) + " is open",
             "the end of frame " + std::to_string(open_frame_));
      }
      if (any_frame_ && e.frame <= open_frame_) {
        fail(i, "frame " + std::to_string(e.frame) + " begins after frame " + std::to_string(open_frame_),
             "frame numbers that increase");
      }
      open_ = any_frame_ = true;
      open_frame_ = e.frame;
      open_thread_ = e.thread;
      return;
    }
    if (!open_ || e.frame != open_frame_ || e.thread != open_thread_) {
      fail(i, "end of frame " + std::to_string(e.frame) + " on thread " + std::to_string(e.thread),
           open_ ? "the end of frame " + std::to_string(open_frame_) + " on thread " + std::to_string(open_thread_)
                 : std::string("a frame begin before it"));
    }
    open_ = false;
  }

  Trace& t_;
  std::unordered_map<std::uint64_t, std::uint64_t> live_;   // id -> block
  std::unordered_map<std::uint64_t, std::uint64_t> freed_;  // id -> the block that last had it
  std::vector<std::map<std::uint64_t, std::uint64_t>> by_system_;  // live blocks by creation stamp
  bool open_ = false;
  bool any_frame_ = false;
  std::uint64_t open_frame_ = 0;
  std::uint32_t open_thread_ = 0;
};

}  // namespace

bad_trace::bad_trace(std::string file, std::uint64_t offset, std::uint64_t event, std::string_view what,
                     std::string_view expected)
    : error(message(file, offset, event, what, expected)), file_(std::move(file)), offset_(offset), event_(event) {}

Trace parse(std::span<const std::uint8_t> bytes, std::string file) {
  Trace t;
  t.file = std::move(file);
  t.bytes = bytes.size();
  Parser(bytes, t).run();
  Lifetimes(t).run();
  return t;
}

Trace read(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) raise(error(path + ": cannot open the trace: " + std::strerror(errno)));
  std::vector<std::uint8_t> bytes;
  std::uint8_t buffer[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) bytes.insert(bytes.end(), buffer, buffer + n);
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) raise(error(path + ": reading the trace failed"));
  return parse(bytes, path);
}

}  // namespace fm::trace
