// fm::trace::Writer: records allocation events into the trace format of docs/trace.md with bounded
// memory — each thread appends to its own fixed-size chunk without a lock, one writer thread writes full
// chunks to the file and hands them back; a thread that finds no free chunk waits (back-pressure), and the
// chunk set grows only as threads attach, so the threads' own partial chunks never starve the others.
#pragma once

#include <algorithm>
#include <array>
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
  // The back-pressure reserve: chunks kept beyond the one each live recording thread holds, to take the
  // backlog of a slow disk before recording threads wait. Memory for events is (this + the most recording
  // threads alive at once) * chunk_bytes.
  std::size_t chunks = 64;
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

  // Events of the calling thread. Ids are the addresses the recorded allocator handed out. An event recorded
  // while or after the writer closes is dropped and counted (events_dropped()), never reported as an error.
  void allocate(std::uint32_t system, std::uint64_t id, std::uint64_t size, std::uint64_t align) {
    ThreadState* t = begin_event();
    if (t == nullptr) [[unlikely]] return;
    Slot s(*this, *t, stamp_touching(*t, id));
    s.op_with_align(Op::allocate, align);
    s.varint(system);
    s.id(id);
    s.varint(size);
    s.close();
  }
  void free(std::uint64_t id) {
    ThreadState* t = begin_event();
    if (t == nullptr) [[unlikely]] return;
    Slot s(*this, *t, stamp_touching(*t, id));
    s.op(Op::free);
    s.id(id);
    s.close();
  }
  void realloc(std::uint64_t old_id, std::uint64_t new_id, std::uint64_t size, std::uint64_t align) {
    ThreadState* t = begin_event();
    if (t == nullptr) [[unlikely]] return;
    Slot s(*this, *t, stamp_touching(*t, old_id, new_id));
    s.op_with_align(Op::realloc, align);
    s.id(old_id);
    s.id(new_id);
    s.varint(size);
    s.close();
  }
  void reset(std::uint32_t system) {
    ThreadState* t = begin_event();
    if (t == nullptr) [[unlikely]] return;
    Slot s(*this, *t, barrier_stamp(*t));
    s.op(Op::reset);
    s.varint(system);
    s.close();
  }
  void rewind(std::uint32_t system, std::uint64_t count) {
    ThreadState* t = begin_event();
    if (t == nullptr) [[unlikely]] return;
    Slot s(*this, *t, barrier_stamp(*t));
    s.op(Op::rewind);
    s.varint(system);
    s.varint(count);
    s.close();
  }
  void frame_begin(std::uint64_t frame) { frame_event(Op::frame_begin, frame); }
  void frame_end(std::uint64_t frame) { frame_event(Op::frame_end, frame); }

  // Writes every thread's partial chunk and the END record, and closes the file. Threads may go on recording
  // meanwhile and afterwards (until the writer is destroyed): an event under way when close() begins ends in
  // the file, a later one is dropped and counted. Throws fm::error when a write failed (the file is then
  // incomplete).
  void close();
  // close() without the report: false when a write failed.
  [[nodiscard]] bool try_close() noexcept { return finish(); }

  // Written so far by the writer thread (for a Record button's counters).
  [[nodiscard]] std::uint64_t events_written() const noexcept { return events_written_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t bytes_written() const noexcept { return bytes_written_.load(std::memory_order_relaxed); }
  // Events refused because they were recorded while or after the writer closed (a thread still allocating
  // while the process exits); each event the program recorded is either written or counted here.
  [[nodiscard]] std::uint64_t events_dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
  // Of those, the ones refused before the file was completed: the count its END record carries (0 before
  // close(), and when none was). Later events are after the trace, but events_dropped() counts them too.
  [[nodiscard]] std::uint64_t events_dropped_in_file() const noexcept { return dropped_in_file_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  // Bytes of the chunks the writer holds for events (they grow as recording threads attach).
  [[nodiscard]] std::size_t buffer_bytes() const noexcept {
    return chunk_count_.load(std::memory_order_relaxed) * options_.chunk_bytes;
  }

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
    // Set by the thread from the start of an event to its end: close() takes the thread's chunk only while
    // it is clear (see begin_event).
    std::atomic<bool> in_event{false};
    std::uint32_t events = 0;      // in the chunk
    std::uint64_t sequence = 0;    // of the chunk's first event
    std::uint64_t last_stamp = 0;  // of the chunk's previous event, for the delta
    std::uint64_t last_id = 0;
    // The thread's logical clock, at least the stamp of its latest event (see stamp_touching). Written only
    // by the thread; read by other threads' events on blocks it touched last, and by barrier events.
    std::atomic<std::uint64_t> clock{0};
    // The thread has exited (its exit hook ran), yet frees still come from the C library's teardown of
    // the thread: each such event goes to the writer at once, since no later hand-over will come.
    bool exited = false;
  };

  static constexpr std::size_t max_event_bytes = 1 + 5 * max_varint_bytes;

  // The place of one event in the calling thread's chunk; deltas are against the chunk's previous event.
  class Slot {
   public:
    Slot(Writer& w, ThreadState& t, std::uint64_t stamp) noexcept
        : w_(w), t_(t), out_(t.data + t.used), stamp_(stamp) {}
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
      t_.in_event.store(false, std::memory_order_release);
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

  // The calling thread, inside an event and with room for one in its chunk; null when the writer refuses
  // events (it is closing), the event then counted as dropped. The slow paths are attaching a new thread and
  // handing a full chunk over. Between marking the event under way and reading refusing_ there is only a
  // compiler barrier: close() sets refusing_ and then runs a barrier on every thread before it reads the
  // marks, so either it sees this event under way and waits for its end, or this load sees refusing_. The
  // fast path thus has no locked instruction; close() pays for the order instead.
  ThreadState* begin_event() {
    ThreadState* t = current_thread();
    if (t == nullptr) [[unlikely]] return nullptr;
    t->in_event.store(true, std::memory_order_relaxed);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    if (refusing_.load(std::memory_order_relaxed)) [[unlikely]] return refuse(*t);
    if (t->chunk == nullptr || t->used + max_event_bytes > options_.chunk_bytes) hand_over(*t);
    return t;
  }
  ThreadState* refuse(ThreadState& t) noexcept;

  // Stamps are logical clocks (Lamport's), so threads share no counter: an event's stamp exceeds its
  // thread's previous one, the latest barrier's, and the clock of the thread that last touched the block.
  // Whatever passes a block between threads (the program handing a pointer over, the allocator reusing a
  // freed address) thus orders its events by stamp. Each block's order slot (hashed by address, shared by
  // neighbours) names the thread that last touched it; a thread touching its own blocks only reads the
  // slot, so the fast path has no locked instruction and no cache line written by another thread.
  std::uint64_t stamp_touching(ThreadState& t, std::uint64_t id) noexcept {
    std::uint64_t latest = std::max(t.clock.load(std::memory_order_relaxed), barrier_.load(std::memory_order_relaxed));
    std::atomic<ThreadState*>& slot = order_slot(id);
    if (slot.load(std::memory_order_acquire) != &t) [[unlikely]] latest = take_slot(t, slot, latest);
    t.clock.store(latest + 1, std::memory_order_relaxed);
    return latest + 1;
  }
  std::uint64_t stamp_touching(ThreadState& t, std::uint64_t old_id, std::uint64_t new_id) noexcept {
    std::uint64_t latest = std::max(t.clock.load(std::memory_order_relaxed), barrier_.load(std::memory_order_relaxed));
    for (const std::uint64_t id : {old_id, new_id}) {
      std::atomic<ThreadState*>& slot = order_slot(id);
      if (slot.load(std::memory_order_acquire) != &t) latest = take_slot(t, slot, latest);
    }
    t.clock.store(latest + 1, std::memory_order_relaxed);
    return latest + 1;
  }
  // The slot names another thread (or none): the stamp must exceed that thread's clock, and the slot then
  // names this thread, whose clock now covers every event the slot stood for.
  std::uint64_t take_slot(ThreadState& t, std::atomic<ThreadState*>& slot, std::uint64_t latest) noexcept;
  std::atomic<ThreadState*>& order_slot(std::uint64_t id) noexcept {
    // One slot per 256 bytes, one cache line of slots per 2 KiB: blocks that close are one thread's, usually,
    // and a thread's slots stay few and in its own cache. Distant addresses spread by a multiplicative hash.
    const std::uint64_t line = ((id >> 11) * 0x9E3779B97F4A7C15ull) >> (64 - order_line_bits);
    return order_lines_[line].slots[(id >> 8) % OrderLine::slots_per_line];
  }
  // A stamp after every event any thread has stamped so far, for the events that end or order blocks of
  // every thread at once (reset, rewind, frame begin and end); later events of every thread come after it.
  std::uint64_t barrier_stamp(ThreadState& t);

  ThreadState* current_thread() {
    if (detail::thread_cache.serial == serial_) return static_cast<ThreadState*>(detail::thread_cache.state);
    return attach_thread();
  }
  void frame_event(Op op, std::uint64_t frame);
  ThreadState* attach_thread();
  void wait_for_events_under_way() noexcept;
  void keep_chunks_for(std::size_t live_threads);
  void add_chunks(std::size_t count);
  Chunk& chunk_at(std::uint32_t index) const noexcept;
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

  // Chunks by index, in groups that never move until the writer is destroyed, so a popper of the free list
  // finds a chunk by its index while another thread adds chunks: group 0 holds `options_.chunks`, group
  // k > 0 holds `options_.chunks << (k - 1)` (a chunk's bytes are allocated only when the chunk is added).
  static constexpr std::size_t max_chunk_groups = 32;  // indices fit in 32 bits with at least 2 in group 0
  std::array<std::atomic<Chunk*>, max_chunk_groups> chunk_groups_{};
  std::atomic<std::size_t> chunk_count_{0};        // added so far; written under mutex_
  std::atomic<std::uint64_t> free_head_{0};       // tagged index (tag << 32 | index + 1), 0 = empty
  std::atomic<Chunk*> full_head_{nullptr};        // pushed by recording threads, taken whole by the writer
  std::atomic<std::uint32_t> free_signal_{0};     // bumped when chunks come back; back-pressure waits on it
  std::atomic<std::uint32_t> work_signal_{0};     // bumped when a chunk is full or the writer must stop
  std::atomic<bool> stopping_{false};
  // The latest barrier event's stamp: read by every event, written by barriers only (rare), so it stays
  // in every recording thread's cache; on a line of its own, away from the counters the writer updates.
  alignas(64) std::atomic<std::uint64_t> barrier_{0};
  // Set (under mutex_) when close() begins: from then on events are dropped and no thread attaches. Read by
  // every event, on the line it reads anyway.
  std::atomic<bool> refusing_{false};
  struct alignas(64) OrderLine {
    static constexpr std::size_t slots_per_line = 8;
    std::atomic<ThreadState*> slots[slots_per_line];
  };
  static constexpr unsigned order_line_bits = 13;     // 8192 lines, 512 KiB: see stamp_touching
  std::unique_ptr<OrderLine[]> order_lines_;
  alignas(64) std::atomic<std::uint64_t> events_written_{0};
  std::atomic<std::uint64_t> bytes_written_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::uint64_t dropped_in_file_ = 0;  // written by the close that writes END

  std::mutex mutex_;  // thread registration and definitions, never the allocation path
  std::vector<std::unique_ptr<ThreadState>> threads_;
  std::vector<std::string> systems_;
  std::vector<std::vector<std::uint8_t>> pending_definitions_;
  std::uint64_t threads_defined_ = 0;
  std::thread writer_;
};

}  // namespace fm::trace
