// fm::trace::Writer: records allocation events into the trace format of docs/trace.md with bounded
// memory — each thread appends to its own fixed-size chunk without a lock, one writer thread writes full
// chunks to the file and hands them back; a thread that finds no free chunk waits (back-pressure).
#pragma once

#include <atomic>
#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "fm/trace/format.hpp"

namespace fm::trace {

struct WriterOptions {
  std::size_t chunk_bytes = std::size_t{64} << 10;  // per chunk; at least 256
  std::size_t chunks = 64;                          // all memory the writer will ever use for events
};

namespace detail {
// One-entry per-thread cache of "my state in this writer"; writer serials are never reused, so a writer
// created at a destroyed one's address never sees the old state.
struct ThreadCache {
  std::uint64_t serial = 0;
  void* state = nullptr;
  // True while this thread runs the writer's own code that allocates outside any recording call (the
  // writer thread, the hand-over at thread exit), and while a malloc hook records: such a hook must not
  // record the writer's own allocations, or the writer would record into itself. (Kept here so a hook
  // finds both with one thread-local lookup.)
  bool inside_writer = false;
};
inline thread_local ThreadCache thread_cache{};
}  // namespace detail

class Writer {
 public:
  // Creates (truncates) `path` and writes the header; reports fm::error when the file cannot be created.
  explicit Writer(std::string path, WriterOptions options = {});
  // Writes the trace into `file`, already open for binary writing, and closes it with the trace; `path`
  // names it in messages. For callers that report a file they cannot open in their own way and must not
  // reach the error handler (the malloc library's FRAMEMEM_TRACE).
  Writer(std::FILE* file, std::string path, WriterOptions options = {});
  ~Writer();  // close(), reporting nothing: call close() to hear about a failed write
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // The number of the system (tag) called `name`, defining it on first use. Takes a lock: call it once
  // per system, not per allocation.
  [[nodiscard]] std::uint32_t system(std::string_view name);

  // Events of the calling thread. Ids are the addresses the recorded allocator handed out.
  void allocate(std::uint32_t system, std::uint64_t id, std::uint64_t size, std::uint64_t align) {
    Slot s = open(max_event_bytes);
    s.op_with_align(Op::allocate, align);
    s.varint(system);
    s.id(id);
    s.varint(size);
    s.close();
  }
  void free(std::uint64_t id) {
    Slot s = open(max_event_bytes);
    s.op(Op::free);
    s.id(id);
    s.close();
  }
  void realloc(std::uint64_t old_id, std::uint64_t new_id, std::uint64_t size, std::uint64_t align) {
    Slot s = open(max_event_bytes);
    s.op_with_align(Op::realloc, align);
    s.id(old_id);
    s.id(new_id);
    s.varint(size);
    s.close();
  }
  void reset(std::uint32_t system) {
    Slot s = open(max_event_bytes);
    s.op(Op::reset);
    s.varint(system);
    s.close();
  }
  void rewind(std::uint32_t system, std::uint64_t count) {
    Slot s = open(max_event_bytes);
    s.op(Op::rewind);
    s.varint(system);
    s.varint(count);
    s.close();
  }
  void frame_begin(std::uint64_t frame) { frame_event(Op::frame_begin, frame); }
  void frame_end(std::uint64_t frame) { frame_event(Op::frame_end, frame); }

  // Writes every thread's partial chunk and the END record, and closes the file. No thread may record
  // during or after it. Throws fm::error when a write failed (the file is then incomplete).
  void close();
  // close() without the report: false when a write failed.
  [[nodiscard]] bool try_close() noexcept { return finish(); }

  // Written so far by the writer thread (for a Record button's counters).
  [[nodiscard]] std::uint64_t events_written() const noexcept { return events_written_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t bytes_written() const noexcept { return bytes_written_.load(std::memory_order_relaxed); }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  [[nodiscard]] bool finish() noexcept;
  struct Chunk;
  // A recording thread's state: its chunk and the delta bases of the chunk's previous event. Written on
  // every event, so each sits on cache lines of its own: neighbouring threads' states would bounce.
  struct alignas(64) ThreadState {
    std::uint32_t number = 0;
    std::thread::id owner;
    Chunk* chunk = nullptr;
    std::uint8_t* data = nullptr;  // the chunk's bytes
    std::size_t used = 0;
    std::uint32_t events = 0;      // in the chunk
    std::uint64_t sequence = 0;    // of the chunk's first event
    std::uint64_t last_stamp = 0;
    std::uint64_t last_id = 0;
    // The thread has exited (its exit hook ran), yet frees still come from the C library's teardown of
    // the thread: each such event goes to the writer at once, since no later hand-over will come.
    bool exited = false;
  };

  static constexpr std::size_t max_event_bytes = 1 + 5 * max_varint_bytes;

  // The place of one event in the calling thread's chunk; deltas are against the chunk's previous event.
  class Slot {
   public:
    Slot(Writer& w, ThreadState& t, std::uint8_t* at, std::uint64_t stamp) noexcept
        : w_(w), t_(t), out_(at), stamp_(stamp) {}
    void op(Op o) noexcept {
      *out_++ = static_cast<std::uint8_t>(o);
      stamp_delta();
    }
    void op_with_align(Op o, std::uint64_t align) noexcept {
      const unsigned log2 = static_cast<unsigned>(std::countr_zero(align));
      const unsigned field = log2 < align_escape ? log2 : align_escape;
      *out_++ = static_cast<std::uint8_t>(static_cast<unsigned>(o) | (field << op_bits));
      stamp_delta();
      if (field == align_escape) varint(log2);
    }
    void varint(std::uint64_t v) noexcept { out_ = put_varint(out_, v); }
    void id(std::uint64_t id) noexcept {
      varint(zigzag(static_cast<std::int64_t>(id - t_.last_id)));
      t_.last_id = id;
    }
    void close() {
      t_.used = static_cast<std::size_t>(out_ - t_.data);
      ++t_.events;
      if (t_.exited) [[unlikely]] w_.hand_over_after_exit(t_);
    }

   private:
    void stamp_delta() noexcept {
      varint(stamp_ - t_.last_stamp);
      t_.last_stamp = stamp_;
    }
    Writer& w_;
    ThreadState& t_;
    std::uint8_t* out_;
    std::uint64_t stamp_;
  };

  // The calling thread's room for one event, stamped; the slow paths are attaching a new thread and
  // handing a full chunk over.
  Slot open(std::size_t bytes) {
    ThreadState& t = current_thread();
    if (t.chunk == nullptr || t.used + bytes > options_.chunk_bytes) hand_over(t);
    const std::uint64_t stamp = stamp_.fetch_add(1, std::memory_order_relaxed) + 1;
    return Slot(*this, t, t.data + t.used, stamp);
  }
  ThreadState& current_thread() {
    if (detail::thread_cache.serial == serial_) return *static_cast<ThreadState*>(detail::thread_cache.state);
    return attach_thread();
  }
  void frame_event(Op op, std::uint64_t frame);
  ThreadState& attach_thread();
  void take_free_chunk(ThreadState& t);
  void hand_over(ThreadState& t);
  Chunk* seal(ThreadState& t) noexcept;
  void detach_calling_thread();
  void hand_over_after_exit(ThreadState& t);
  void release_chunk(ThreadState& t);
  friend class WriterAccess;
  void push_full(Chunk* c) noexcept;
  void push_free(Chunk* c) noexcept;
  Chunk* pop_free() noexcept;
  void writer_loop();
  void write_pending();
  void write_record(Record kind, const std::uint8_t* head, std::size_t head_bytes, const std::uint8_t* body,
                    std::size_t body_bytes);
  void write_definition(Record kind, std::uint64_t number, std::string_view name);

  std::string path_;
  WriterOptions options_;
  std::uint64_t serial_;
  std::FILE* file_ = nullptr;
  bool write_failed_ = false;
  std::chrono::steady_clock::time_point start_;

  std::unique_ptr<std::uint8_t[]> storage_;
  std::unique_ptr<Chunk[]> chunks_;
  std::atomic<std::uint64_t> free_head_{0};       // tagged index (tag << 32 | index + 1), 0 = empty
  std::atomic<Chunk*> full_head_{nullptr};        // pushed by recording threads, taken whole by the writer
  std::atomic<std::uint32_t> free_signal_{0};     // bumped when chunks come back; back-pressure waits on it
  std::atomic<std::uint32_t> work_signal_{0};     // bumped when a chunk is full or the writer must stop
  std::atomic<bool> stopping_{false};
  // Every recording thread increments it once per event: on a cache line of its own, away from the
  // counters the writer thread updates, so recording threads wait for each other only.
  alignas(64) std::atomic<std::uint64_t> stamp_{0};
  alignas(64) std::atomic<std::uint64_t> events_written_{0};
  std::atomic<std::uint64_t> bytes_written_{0};

  std::mutex mutex_;  // thread registration and definitions, never the allocation path
  std::vector<std::unique_ptr<ThreadState>> threads_;
  std::vector<std::string> systems_;
  std::vector<std::vector<std::uint8_t>> pending_definitions_;
  std::uint64_t threads_defined_ = 0;
  bool closed_ = false;
  std::thread writer_;
};

}  // namespace fm::trace
