// The slow paths of fm::trace::Writer: thread attach and exit, chunk hand-over and back-pressure, and the
// writer thread that turns chunks and definitions into records (docs/trace.md).
#include "fm/trace/writer.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "../os/os.hpp"
#include "fm/core/error.hpp"

namespace fm::trace {

struct Writer::Chunk {
  std::unique_ptr<std::uint8_t[]> data;
  std::uint32_t index = 0;
  std::atomic<std::uint32_t> next_free{0};  // index + 1 of the next free chunk; read by racing poppers
  Chunk* next_full = nullptr;
  std::uint32_t thread = 0;
  std::uint64_t first_sequence = 0;
  std::uint32_t events = 0;
  std::size_t used = 0;
};

namespace {

std::atomic<std::uint64_t> next_serial{1};

// Writers still open, so a thread that exits can hand its partial chunk to each one it recorded into.
std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}
std::vector<std::pair<std::uint64_t, Writer*>>& live_writers() {
  static std::vector<std::pair<std::uint64_t, Writer*>> v;
  return v;
}

}  // namespace

class WriterAccess {
 public:
  static void thread_exits(Writer& w) { w.detach_calling_thread(); }
};

namespace {

// Runs when a thread that recorded exits (a thread key's callback, which allocates nothing, so a malloc
// hook recording this thread's last frees sees no allocation of the writer's own): every writer still
// open hands this thread's partial chunk to its file.
void on_thread_exit(void*) {
  const auto detach_everywhere = [] {
    const std::lock_guard lock(registry_mutex());
    for (const auto& entry : live_writers()) WriterAccess::thread_exits(*entry.second);
  };
  if constexpr (os::thread_locals_outlive_exit_callbacks) {
    const bool was_inside = std::exchange(detail::thread_cache.inside_writer, true);
    detach_everywhere();
    detail::thread_cache.inside_writer = was_inside;
  } else {
    detach_everywhere();  // this thread's thread_locals are gone already, and no malloc hook runs there
  }
}

// The key is made once per process; a thread sets it (to any non-null value) when it first records.
os::ThreadKey exit_key() {
  static const os::ThreadKey key = [] {
    os::ThreadKey k;
    if (!os::create_thread_key(k, on_thread_exit)) raise(error("trace: cannot create the thread-exit key"));
    return k;
  }();
  return key;
}

std::FILE* create_or_raise(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) raise(error("trace '" + path + "': cannot create the file: " + std::strerror(errno)));
  return file;
}

}  // namespace

Writer::Writer(std::string path, WriterOptions options) : Writer(create_or_raise(path), path, options) {}

Writer::Writer(std::FILE* file, std::string path, WriterOptions options)
    : path_(std::move(path)), options_(options), serial_(next_serial.fetch_add(1)), start_(std::chrono::steady_clock::now()) {
  options_.chunk_bytes = std::max<std::size_t>(options_.chunk_bytes, 256);
  options_.chunks = std::max<std::size_t>(options_.chunks, 2);
  file_ = file;
  // Unbuffered: records are whole chunks anyway, and a forked child that exits would otherwise flush a
  // copy of whatever sat in the stream's buffer into the same file a second time.
  std::setvbuf(file_, nullptr, _IONBF, 0);

  std::uint8_t head[64];
  std::uint8_t* out = std::copy(magic.begin(), magic.end(), head);
  *out++ = static_cast<std::uint8_t>(version & 0xFF);
  *out++ = static_cast<std::uint8_t>(version >> 8);
  const std::size_t clock_len = sizeof(clock_name) - 1;
  out = put_varint(out, clock_len);
  out = std::copy(clock_name, clock_name + clock_len, out);
  out = put_varint(out, ticks_per_second);
  const auto wall = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  out = put_varint(out, static_cast<std::uint64_t>(wall.count()));
  const auto head_bytes = static_cast<std::size_t>(out - head);
  write_failed_ = std::fwrite(head, 1, head_bytes, file_) != head_bytes;
  bytes_written_.store(head_bytes, std::memory_order_relaxed);

  add_chunks(options_.chunks);
  order_lines_ = std::make_unique<OrderLine[]>(std::size_t{1} << order_line_bits);
  {
    const std::lock_guard lock(registry_mutex());
    live_writers().emplace_back(serial_, this);
  }
  writer_ = std::thread([this] { writer_loop(); });
}

// A destructor cannot report a failed write; close() does for a caller that asks.
Writer::~Writer() {
  (void)finish();
  for (auto& group : chunk_groups_) delete[] group.load(std::memory_order_relaxed);
}

std::uint32_t Writer::system(std::string_view name) {
  const std::lock_guard lock(mutex_);
  const auto found = std::find(systems_.begin(), systems_.end(), name);
  if (found != systems_.end()) return static_cast<std::uint32_t>(found - systems_.begin());
  systems_.emplace_back(name.substr(0, max_name_bytes));
  const auto number = static_cast<std::uint32_t>(systems_.size() - 1);
  write_definition(Record::system, number, systems_.back());
  return number;
}

void Writer::frame_event(Op op, std::uint64_t frame) {
  const auto now = std::chrono::steady_clock::now() - start_;
  ThreadState* t = begin_event();
  if (t == nullptr) return;
  Slot s(*this, *t, barrier_stamp(*t));
  s.op(op);
  s.varint(frame);
  s.varint(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()));
  s.close();
}

std::uint64_t Writer::take_slot(ThreadState& t, std::atomic<ThreadState*>& slot, std::uint64_t latest) noexcept {
  ThreadState* last = slot.load(std::memory_order_acquire);
  do {
    // Raising the clock before the slot names this thread: whoever reads the slot next must find it raised.
    if (last != nullptr) latest = std::max(latest, last->clock.load(std::memory_order_relaxed));
    t.clock.store(latest, std::memory_order_relaxed);
  } while (!slot.compare_exchange_weak(last, &t, std::memory_order_acq_rel, std::memory_order_acquire));
  return latest;
}

// Every thread's clock, read under the lock that guards the thread list: an event that happened before
// this one on any thread (the program ordered them) has left its stamp in its thread's clock by now.
std::uint64_t Writer::barrier_stamp(ThreadState& t) {
  const std::lock_guard lock(mutex_);
  std::uint64_t latest = barrier_.load(std::memory_order_relaxed);
  for (const auto& other : threads_) latest = std::max(latest, other->clock.load(std::memory_order_relaxed));
  const std::uint64_t stamp = latest + 1;
  barrier_.store(stamp, std::memory_order_relaxed);
  t.clock.store(stamp, std::memory_order_relaxed);
  return stamp;
}

// An event recorded while or after the writer closes: dropped, its thread's chunk untouched.
Writer::ThreadState* Writer::refuse(ThreadState& t) noexcept {
  t.in_event.store(false, std::memory_order_relaxed);
  dropped_.fetch_add(1, std::memory_order_relaxed);
  return nullptr;
}

Writer::ThreadState* Writer::attach_thread() {
  const std::lock_guard lock(mutex_);
  if (refusing_.load(std::memory_order_relaxed)) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  const auto me = std::this_thread::get_id();
  ThreadState* state = nullptr;
  std::size_t live_threads = 0;
  for (const auto& t : threads_) {
    if (t->owner == me) state = t.get();
    if (t->owner != std::thread::id{}) ++live_threads;
  }
  if (!state) {
    threads_.push_back(std::make_unique<ThreadState>());
    state = threads_.back().get();
    state->owner = me;
    state->number = static_cast<std::uint32_t>(threads_defined_++);
    write_definition(Record::thread, state->number, "thread " + std::to_string(state->number));
    os::set_thread_value(exit_key(), this);
    keep_chunks_for(live_threads + 1);
  }
  detail::thread_cache = {serial_, state};
  return state;
}

// Each live thread may hold a partial chunk while it waits for the others (on a lock, a barrier): the
// reserve must stay free for the chunks in flight besides those, or a thread without a chunk could wait
// for threads that wait for it. Caller holds mutex_.
void Writer::keep_chunks_for(std::size_t live_threads) {
  const std::size_t needed = live_threads + options_.chunks;
  const std::size_t count = chunk_count_.load(std::memory_order_relaxed);
  if (needed <= count) return;
  add_chunks(needed - count);
  free_signal_.fetch_add(1, std::memory_order_release);
  os::wake_all(free_signal_);
}

// Appends `count` chunks to the free list. Only the constructor and threads holding mutex_ add chunks; a
// group is published before any of its chunks is pushed, so a popper that sees the index finds the group.
// (Indices stay below 2^32, and groups below max_chunk_groups, long before memory would allow that many.)
void Writer::add_chunks(std::size_t count) {
  const std::size_t first_group_size = options_.chunks;
  for (std::size_t i = chunk_count_.load(std::memory_order_relaxed), end = i + count; i < end; ++i) {
    const auto index = static_cast<std::uint32_t>(i);
    const std::size_t group = i < first_group_size ? 0 : std::bit_width(i / first_group_size);
    if (chunk_groups_[group].load(std::memory_order_relaxed) == nullptr) {
      const std::size_t group_size = group == 0 ? first_group_size : first_group_size << (group - 1);
      chunk_groups_[group].store(new Chunk[group_size], std::memory_order_release);
    }
    Chunk& c = chunk_at(index);
    c.data = std::make_unique_for_overwrite<std::uint8_t[]>(options_.chunk_bytes);
    c.index = index;
    chunk_count_.store(i + 1, std::memory_order_relaxed);
    push_free(&c);
  }
}

Writer::Chunk& Writer::chunk_at(std::uint32_t index) const noexcept {
  const std::size_t first_group_size = options_.chunks;
  if (index < first_group_size) return chunk_groups_[0].load(std::memory_order_acquire)[index];
  const auto group = static_cast<std::size_t>(std::bit_width(index / first_group_size));
  return chunk_groups_[group].load(std::memory_order_acquire)[index - (first_group_size << (group - 1))];
}

// Queues a THREAD or SYSTEM record; the writer thread writes queued definitions before any chunk it took
// after they were queued, so a definition always precedes its first use in the file. Caller holds mutex_.
void Writer::write_definition(Record kind, std::uint64_t number, std::string_view name) {
  std::vector<std::uint8_t> payload(2 * max_varint_bytes + name.size() + 1);
  std::uint8_t* out = payload.data();
  *out++ = static_cast<std::uint8_t>(kind);
  out = put_varint(out, number);
  out = put_varint(out, name.size());
  out = std::copy(name.begin(), name.end(), out);
  payload.resize(static_cast<std::size_t>(out - payload.data()));
  pending_definitions_.push_back(std::move(payload));
}

// The thread's chunk is full (or the thread has none yet): pass it to the writer and take an empty one.
void Writer::hand_over(ThreadState& t) {
  if (t.chunk) push_full(seal(t));
  take_free_chunk(t);
}

// Stamps the thread's chunk with what the CHUNK record needs and takes it from the thread.
Writer::Chunk* Writer::seal(ThreadState& t) noexcept {
  Chunk* c = t.chunk;
  c->thread = t.number;
  c->first_sequence = t.sequence;
  c->events = t.events;
  c->used = t.used;
  t.sequence += t.events;
  t.chunk = nullptr;
  return c;
}

// Back-pressure: with every chunk full or in the writer's hands, wait for the writer to return one.
void Writer::take_free_chunk(ThreadState& t) {
  for (;;) {
    const std::uint32_t seen = free_signal_.load(std::memory_order_acquire);
    if (Chunk* c = pop_free()) {
      t.chunk = c;
      t.data = c->data.get();
      t.used = 0;
      t.events = 0;
      t.last_stamp = 0;
      t.last_id = 0;
      return;
    }
    work_signal_.fetch_add(1, std::memory_order_release);
    os::wake_one(work_signal_);
    os::wait_while(free_signal_, seen);
  }
}

void Writer::detach_calling_thread() {
  const std::lock_guard lock(mutex_);
  const auto me = std::this_thread::get_id();
  for (const auto& t : threads_) {
    if (t->owner == me) {
      release_chunk(*t);
      t->exited = true;
    }
  }
}

// An event recorded after the thread's exit hook (a free in the C library's thread teardown): the thread
// will never fill its chunk, so the chunk goes to the writer now instead of waiting for close().
void Writer::hand_over_after_exit(ThreadState& t) {
  const std::lock_guard lock(mutex_);
  if (t.chunk != nullptr) push_full(seal(t));
}

// Hands a thread's partial chunk to the writer (an empty one goes back to the free list); the state stays
// for its thread number but no longer matches any running thread. Caller holds mutex_.
void Writer::release_chunk(ThreadState& t) {
  t.owner = std::thread::id{};
  if (!t.chunk) return;
  if (t.events == 0) {
    push_free(t.chunk);
    t.chunk = nullptr;
    return;
  }
  push_full(seal(t));
}

void Writer::push_full(Chunk* c) noexcept {
  Chunk* head = full_head_.load(std::memory_order_relaxed);
  do {
    c->next_full = head;
  } while (!full_head_.compare_exchange_weak(head, c, std::memory_order_release, std::memory_order_relaxed));
  work_signal_.fetch_add(1, std::memory_order_release);
  os::wake_one(work_signal_);
}

// The free list is a stack of chunk indices with a tag in the high half of the head, so a pop that raced
// with a pop and a push of the same chunk (ABA) fails its compare-exchange instead of corrupting the list.
void Writer::push_free(Chunk* c) noexcept {
  std::uint64_t head = free_head_.load(std::memory_order_relaxed);
  std::uint64_t next;
  do {
    c->next_free.store(static_cast<std::uint32_t>(head), std::memory_order_relaxed);
    next = ((head >> 32) + 1) << 32 | (c->index + 1);
  } while (!free_head_.compare_exchange_weak(head, next, std::memory_order_release, std::memory_order_relaxed));
}

Writer::Chunk* Writer::pop_free() noexcept {
  std::uint64_t head = free_head_.load(std::memory_order_acquire);
  for (;;) {
    const auto index = static_cast<std::uint32_t>(head);
    if (index == 0) return nullptr;
    Chunk* c = &chunk_at(index - 1);
    const std::uint64_t next = ((head >> 32) + 1) << 32 | c->next_free.load(std::memory_order_relaxed);
    if (free_head_.compare_exchange_weak(head, next, std::memory_order_acquire, std::memory_order_acquire)) return c;
  }
}

void Writer::writer_loop() {
  detail::thread_cache.inside_writer = true;
  for (;;) {
    const std::uint32_t seen = work_signal_.load(std::memory_order_acquire);
    const bool stop = stopping_.load(std::memory_order_acquire);
    write_pending();
    if (stop) return;
    os::wait_while(work_signal_, seen);
  }
}

// Takes every full chunk first, then the definitions: a chunk was pushed after its thread's and systems'
// definitions were queued, so they are all in the queue now and get written ahead of it.
void Writer::write_pending() {
  Chunk* list = full_head_.exchange(nullptr, std::memory_order_acquire);
  Chunk* ordered = nullptr;  // the list is newest first; the file needs each thread's chunks in order
  while (list) {
    Chunk* next = list->next_full;
    list->next_full = ordered;
    ordered = list;
    list = next;
  }
  std::vector<std::vector<std::uint8_t>> definitions;
  {
    const std::lock_guard lock(mutex_);
    definitions.swap(pending_definitions_);
  }
  for (const auto& d : definitions) write_record(static_cast<Record>(d[0]), d.data() + 1, d.size() - 1, nullptr, 0);
  bool returned = false;
  while (ordered) {
    Chunk* c = ordered;
    ordered = c->next_full;
    std::uint8_t head[3 * max_varint_bytes];
    std::uint8_t* out = put_varint(head, c->thread);
    out = put_varint(out, c->first_sequence);
    out = put_varint(out, c->events);
    write_record(Record::chunk, head, static_cast<std::size_t>(out - head), c->data.get(), c->used);
    events_written_.fetch_add(c->events, std::memory_order_relaxed);
    push_free(c);
    returned = true;
  }
  if (returned) {
    free_signal_.fetch_add(1, std::memory_order_release);
    os::wake_all(free_signal_);
  }
}

void Writer::write_record(Record kind, const std::uint8_t* head, std::size_t head_bytes, const std::uint8_t* body,
                          std::size_t body_bytes) {
  std::uint8_t prefix[1 + max_varint_bytes];
  prefix[0] = static_cast<std::uint8_t>(kind);
  const auto prefix_bytes = static_cast<std::size_t>(put_varint(prefix + 1, head_bytes + body_bytes) - prefix);
  bool ok = std::fwrite(prefix, 1, prefix_bytes, file_) == prefix_bytes;
  ok = ok && std::fwrite(head, 1, head_bytes, file_) == head_bytes;
  ok = ok && (body_bytes == 0 || std::fwrite(body, 1, body_bytes, file_) == body_bytes);
  write_failed_ = write_failed_ || !ok;
  bytes_written_.fetch_add(prefix_bytes + head_bytes + body_bytes, std::memory_order_relaxed);
}

// Once this returns, every thread is between events and sees refusing_ at its next one, so its chunk can be
// taken: an event that began before refusing_ was set has ended in the chunk. threads_ no longer grows
// (attach_thread refuses), so it is read without the lock, which events under way may be waiting for
// (barrier stamps, the hand-over after a thread's exit).
void Writer::wait_for_events_under_way() noexcept {
  os::barrier_on_every_thread();
  for (const auto& t : threads_) {
    while (t->in_event.load(std::memory_order_acquire)) std::this_thread::yield();
  }
}

void Writer::close() {
  if (!finish()) raise(error("trace '" + path_ + "': writing the file failed; the trace is incomplete"));
}

bool Writer::finish() noexcept {
  {
    const std::lock_guard lock(registry_mutex());
    std::erase_if(live_writers(), [this](const auto& entry) { return entry.second == this; });
  }
  {
    const std::lock_guard lock(mutex_);
    if (refusing_.load(std::memory_order_relaxed)) return true;  // a failure was reported by the close that finished
    refusing_.store(true, std::memory_order_relaxed);
  }
  wait_for_events_under_way();
  {
    const std::lock_guard lock(mutex_);
    for (const auto& t : threads_) release_chunk(*t);
  }
  stopping_.store(true, std::memory_order_release);
  work_signal_.fetch_add(1, std::memory_order_release);
  os::wake_one(work_signal_);
  writer_.join();

  std::uint8_t totals[4 * max_varint_bytes];
  std::uint8_t* out = put_varint(totals, events_written_.load(std::memory_order_relaxed));
  out = put_varint(out, threads_defined_);
  out = put_varint(out, systems_.size());
  // Only when some were dropped: a trace without drops stays readable by readers that predate the field.
  dropped_in_file_ = dropped_.load(std::memory_order_relaxed);
  if (dropped_in_file_ > 0) out = put_varint(out, dropped_in_file_);
  write_record(Record::end, totals, static_cast<std::size_t>(out - totals), nullptr, 0);
  write_failed_ = std::fclose(file_) != 0 || write_failed_;
  file_ = nullptr;
  return !write_failed_;
}

}  // namespace fm::trace
