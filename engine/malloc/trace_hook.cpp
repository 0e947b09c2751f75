// FRAMEMEM_TRACE=path records every allocation of the process into one fm::trace::Writer (per-thread chunks,
// one writer thread, bounded memory); a `%p` in the path becomes the process id. The writer allocates too,
// through this very malloc: those calls are recognised by a per-thread flag (inside_writer in
// fm::trace::detail::thread_cache) and not recorded. A forked child stops recording (the writer thread did
// not survive the fork); the trace is closed when the library is unloaded at exit.
#include "trace_hook.hpp"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <utility>

#include "fm/trace/writer.hpp"
#include "process_heap.hpp"

extern char** environ;

namespace fm::malloc_lib {

// On until the environment says otherwise: the first allocations come before any constructor (the C++
// runtime's own start-up) and must be seen, or their frees would name blocks the trace never allocated.
constinit std::atomic<bool> trace_enabled{true};

namespace {

struct Event {
  trace::Op op;
  const void* p;
  const void* q;  // realloc: the new block
  std::size_t size;
  std::size_t align;
};

// Early: before the writer exists, events wait in a fixed buffer (start-up is single-threaded).
enum class Phase : unsigned char { early, recording, stopped };
Phase phase = Phase::early;
constexpr std::size_t early_capacity = 4096;
Event early_events[early_capacity];
std::size_t early_count = 0;
bool environment_read = false;

alignas(trace::Writer) unsigned char writer_storage[sizeof(trace::Writer)];
trace::Writer* writer = nullptr;
pid_t recording_process = 0;
std::uint32_t malloc_system = 0;
char trace_path[4096];

std::uint64_t id(const void* p) noexcept { return reinterpret_cast<std::uintptr_t>(p); }

// Marks the calling thread as inside the writer for one recording call: whatever the writer allocates or
// frees meanwhile (a new thread's state, an error message) is its own business, not the program's.
class InsideWriter {
 public:
  InsideWriter() noexcept : was_(std::exchange(trace::detail::thread_cache.inside_writer, true)) {}
  ~InsideWriter() { trace::detail::thread_cache.inside_writer = was_; }
  InsideWriter(const InsideWriter&) = delete;
  InsideWriter& operator=(const InsideWriter&) = delete;
  [[nodiscard]] bool nested() const noexcept { return was_; }

 private:
  bool was_;
};

void say(const char* a, const char* b = "", const char* c = "") noexcept {
  for (const char* s : {a, b, c}) {
    if (::write(STDERR_FILENO, s, std::strlen(s)) < 0) return;
  }
}

void stop(const char* why) noexcept {
  if (why != nullptr) say("framemem: FRAMEMEM_TRACE: ", why, "; not recording\n");
  phase = Phase::stopped;
  trace_enabled.store(false, std::memory_order_relaxed);
}

// FRAMEMEM_TRACE with `%p` replaced by the process id, into trace_path; false when unset or too long.
bool read_trace_path() noexcept {
  const char* value = ::getenv("FRAMEMEM_TRACE");
  if (value == nullptr || *value == '\0') return false;
  char pid[24];
  int digits = 0;
  for (auto v = static_cast<unsigned long>(::getpid()); v != 0 || digits == 0; v /= 10)
    pid[digits++] = static_cast<char>('0' + v % 10);
  std::size_t n = 0;
  for (const char* s = value; *s != '\0'; ++s) {
    if (s[0] == '%' && s[1] == 'p') {
      for (int i = digits - 1; i >= 0 && n < sizeof trace_path; --i) trace_path[n++] = pid[i];
      ++s;
    } else if (n < sizeof trace_path) {
      trace_path[n++] = *s;
    }
  }
  if (n >= sizeof trace_path) return false;
  trace_path[n] = '\0';
  return true;
}

// Inlined into each record_* below with a constant op, so each entry point records through its own
// straight-line path (no switch, no Event in memory) on the way that runs millions of times.
[[gnu::always_inline]] inline void write_event(trace::Writer& w, const Event& e) {
  switch (e.op) {
    case trace::Op::allocate:
      return w.allocate(malloc_system, id(e.p), e.size, e.align);
    case trace::Op::free:
      return w.free(id(e.p));
    case trace::Op::realloc:
      return w.realloc(id(e.p), id(e.q), e.size, e.align);
    default:
      return;
  }
}

// Takes the event's fields, not the event: an Event passed by address would be built in memory on the
// recording path too, which never comes here after start-up.
[[gnu::noinline]] void keep_early(trace::Op op, const void* p, const void* q, std::size_t size, std::size_t align) noexcept {
  if (!environment_read && environ != nullptr) {
    environment_read = true;
    if (!read_trace_path()) return stop(nullptr);
  }
  if (early_count == early_capacity) return stop("too many allocations before start-up finished");
  early_events[early_count++] = {op, p, q, size, align};
}

// Every recorded event goes through here. An event that races the close at exit (another thread still
// allocating while the library's destructor runs) is dropped and counted by the writer itself, in a build
// without exceptions too; the catch keeps any other error the writer reports out of malloc.
[[gnu::always_inline]] inline void record(const Event& e) noexcept {
  const InsideWriter inside;
  if (inside.nested()) return;
  if (phase == Phase::early) [[unlikely]] return keep_early(e.op, e.p, e.q, e.size, e.align);
  if (!tracing()) return;
  try {
    write_event(*writer, e);
  } catch (const std::exception&) {
  }
}

void stop_in_child() { stop(nullptr); }

// Before main and before any thread: opens the trace and hands it the events of start-up.
[[gnu::constructor]] void start_trace() {
  if (phase != Phase::early) return;
  const InsideWriter inside;
  if (!environment_read && !read_trace_path()) return stop(nullptr);
  // The file is opened here, not by the writer, so that a path that cannot be created is reported and the
  // program runs on unrecorded also where framemem reports errors to a handler that ends the program.
  std::FILE* file = std::fopen(trace_path, "wb");
  if (file == nullptr) {
    static char why[sizeof trace_path + 128];
    std::snprintf(why, sizeof why, "trace '%s': cannot create the file: %s", trace_path, std::strerror(errno));
    return stop(why);
  }
  try {
    writer = ::new (writer_storage) trace::Writer(file, trace_path);
    malloc_system = writer->system("malloc");
    for (std::size_t i = 0; i < early_count; ++i) write_event(*writer, early_events[i]);
  } catch (const std::exception& e) {
    return stop(e.what());
  }
  recording_process = ::getpid();
  ::pthread_atfork(nullptr, nullptr, stop_in_child);
  phase = Phase::recording;
}

// Says once, at exit, how many events of threads still allocating while the trace closed were left out: the
// same count the file's END record carries, so the message and framemem-replay --check agree.
void report_dropped(std::uint64_t dropped) noexcept {
  if (dropped == 0) return;
  char count[96];
  std::snprintf(count, sizeof count, "': events dropped while the trace closed at exit: %llu",
                static_cast<unsigned long long>(dropped));
  say("framemem: FRAMEMEM_TRACE: trace '", trace_path, count);
  say(" (threads still allocating; the trace holds each thread's events up to its first dropped one)\n");
}

// At exit, after the program's own exit handlers and static destructors (this library was loaded before the
// program's libraries, so it is finalised after them): stop recording first, so the C runtime's teardown
// after this point is not half recorded, then write the partial chunks and the END record. A forked child
// skips it: the writer belongs to its parent.
[[gnu::destructor]] void finish_trace() {
  if (phase != Phase::recording || ::getpid() != recording_process) return;
  const InsideWriter inside;
  stop(nullptr);
  if (!writer->try_close()) say("framemem: FRAMEMEM_TRACE: trace '", trace_path, "': writing the file failed; the trace is incomplete\n");
  report_dropped(writer->events_dropped_in_file());
}

}  // namespace

void record_allocate(const void* p, std::size_t size, std::size_t align) noexcept {
  if (p != nullptr) record({trace::Op::allocate, p, nullptr, size, align});
}

void record_free(const void* p) noexcept {
  if (p != nullptr) record({trace::Op::free, p, nullptr, 0, 0});
}

// One REALLOC event must end the old block and start the new one at a single stamp, which a realloc that
// moves the block inside the heap cannot give: the old address would be free (and could be handed to another
// thread, whose allocate would be stamped first) before the event. So while recording, realloc allocates,
// copies, records, and only then frees the old block.
void* traced_realloc(void* p, std::size_t size) noexcept {
  Heap& heap = process_heap();
  if (p == nullptr) return traced(heap.malloc(size), size, alignof(std::max_align_t));
  if (size == 0) {
    trace_free(p);
    heap.free(p);
    return nullptr;
  }
  void* q = heap.malloc(size);
  if (q == nullptr) return nullptr;  // the caller sets ENOMEM; p stays valid and live
  const std::size_t old_size = heap.usable_size(p);
  std::memcpy(q, p, old_size < size ? old_size : size);
  record({trace::Op::realloc, p, q, size, alignof(std::max_align_t)});
  heap.free(p);
  return q;
}

}  // namespace fm::malloc_lib
