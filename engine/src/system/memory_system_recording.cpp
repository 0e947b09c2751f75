// MemorySystem recording: recordable_system() hands out refs to a small forwarding layer per system, which
// records into a trace (fm::trace::Writer) while a writer is attached, so a recording can start and stop at
// any frame boundary and still see allocators that callers took refs to long before.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "fm/system/memory_system.hpp"
#include "fm/trace/writer.hpp"

namespace fm {

namespace {

// One system's layer: forwards everything to the registered allocator; while recording, an allocation
// is recorded after it succeeded and a free before it runs (docs/trace.md), and only frees of blocks
// this recording saw allocated, so a recording started mid-run names no block it does not know.
//
// The frame arena's layer (made with its buffer count) records differently: its frees give nothing back,
// and its blocks end when their buffer is recycled, N flips after they were made. So each buffer is a
// trace system of its own ("frame/buffer 0", ...), an allocation goes to the buffer of the current flip,
// and a flip is recorded as a RESET of the buffer it recycles.
class RecordedSystem {
 public:
  RecordedSystem(AllocatorRef target, std::string name, const std::atomic<trace::Writer*>& writer,
                 std::size_t frame_buffers)
      : target_(target), name_(std::move(name)), writer_(writer), buffer_systems_(frame_buffers) {}

  [[nodiscard]] void* allocate(std::size_t size, std::size_t align = alignof(std::max_align_t),
                               std::source_location where = std::source_location::current()) {
    void* p = target_.allocate(size, align, where);
    if (trace::Writer* w = writer_.load(std::memory_order_acquire)) [[unlikely]]
      note_allocated(*w, p, size, align);
    return p;
  }
  [[nodiscard]] void* try_allocate(std::size_t size, std::size_t align = alignof(std::max_align_t),
                                   std::source_location where = std::source_location::current()) noexcept {
    void* p = target_.try_allocate(size, align, where);
    if (trace::Writer* w = writer_.load(std::memory_order_acquire); w != nullptr && p != nullptr) [[unlikely]] {
#if defined(__cpp_exceptions)
      try {
        note_allocated(*w, p, size, align);
      } catch (...) {
        target_.deallocate(p, size, align);  // nothing was handed out, so nothing is missing from the trace
        return nullptr;
      }
#else
      note_allocated(*w, p, size, align);  // a failure here goes to the error handler
#endif
    }
    return p;
  }
  void deallocate(void* p, std::size_t size, std::size_t align = alignof(std::max_align_t)) {
    if (trace::Writer* w = writer_.load(std::memory_order_acquire);
        w != nullptr && p != nullptr && buffer_systems_.empty()) [[unlikely]] {
      target_.check_free(p, size, align);  // a free the allocator rejects never reaches the trace
      note_freed(*w, p);
    }
    target_.deallocate(p, size, align);
  }
  void check_free(const void* p, std::size_t size, std::size_t align = alignof(std::max_align_t)) const {
    target_.check_free(p, size, align);
  }
  [[nodiscard]] bool owns(const void* p) const noexcept { return target_.owns(p); }
  [[nodiscard]] std::size_t max_alignment() const noexcept { return target_.max_alignment(); }
  void set_system_name(std::string_view name) { target_.set_system_name(name); }
  [[nodiscard]] AllocatorStats stats() const noexcept { return target_.stats(); }
  [[nodiscard]] std::string_view name() const noexcept { return target_.name(); }

  // A new recording: the system's number in `w` (each buffer's, for the frame arena), no block known yet.
  void start(trace::Writer& w) {
    const std::lock_guard lock(mutex_);
    if (buffer_systems_.empty()) system_ = w.system(name_);
    for (std::size_t b = 0; b < buffer_systems_.size(); ++b) {
      std::string buffer_name = name_;
      buffer_name += "/buffer ";
      buffer_name += std::to_string(b);
      buffer_systems_[b] = w.system(buffer_name);
    }
    live_.clear();
  }

  // The frame arena flips (no thread allocates from it meanwhile): the buffer it moves to is recycled,
  // ending every block made in it.
  void flip(trace::Writer& w) {
    if (buffer_systems_.empty()) return;
    const std::size_t next = flips_.load(std::memory_order_relaxed) + 1;
    w.reset(buffer_systems_[next % buffer_systems_.size()]);
    flips_.store(next, std::memory_order_relaxed);
  }

 private:
  static std::uintptr_t id(const void* p) noexcept { return reinterpret_cast<std::uintptr_t>(p); }

  void note_allocated(trace::Writer& w, const void* p, std::size_t size, std::size_t align) {
    if (!buffer_systems_.empty()) {  // a frame block: ended by its buffer's reset, so no lock, no live set
      const std::size_t buffer = flips_.load(std::memory_order_relaxed) % buffer_systems_.size();
      return w.allocate(buffer_systems_[buffer], id(p), size, align);
    }
    const std::lock_guard lock(mutex_);
    live_.insert(id(p));
    w.allocate(system_, id(p), size, align);
  }
  void note_freed(trace::Writer& w, const void* p) {
    const std::lock_guard lock(mutex_);
    if (live_.erase(id(p)) != 0) w.free(id(p));
  }

  AllocatorRef target_;
  std::string name_;
  const std::atomic<trace::Writer*>& writer_;
  std::mutex mutex_;
  std::uint32_t system_ = 0;
  std::unordered_set<std::uintptr_t> live_;  // blocks allocated during this recording and not yet freed
  std::vector<std::uint32_t> buffer_systems_;  // the frame arena's: each buffer's system; empty otherwise
  std::atomic<std::size_t> flips_{0};          // the frame arena's flips while recorded; read by any thread
};

}  // namespace

class SystemRecorder {
 public:
  explicit SystemRecorder(std::size_t max_systems) { layers_.resize(max_systems); }

  // The layer of entry `i`, made on first use; its address never changes.
  // `frame_buffers` is the frame arena's buffer count for its layer, 0 for any other system.
  RecordedSystem& layer(std::size_t i, AllocatorRef target, std::string_view name, std::size_t frame_buffers) {
    if (!layers_[i]) {
      layers_[i] = std::make_unique<RecordedSystem>(target, std::string(name), writer_, frame_buffers);
      if (trace::Writer* w = writer_.load(std::memory_order_relaxed)) layers_[i]->start(*w);
    }
    return *layers_[i];
  }
  void start(trace::Writer& w) {
    for (auto& l : layers_) {
      if (l) l->start(w);
    }
    writer_.store(&w, std::memory_order_release);
  }
  void stop() noexcept { writer_.store(nullptr, std::memory_order_release); }
  void flip_frame_arena(trace::Writer& w) {
    for (auto& l : layers_) {
      if (l) l->flip(w);
    }
  }
  [[nodiscard]] trace::Writer* writer() const noexcept { return writer_.load(std::memory_order_acquire); }

 private:
  std::atomic<trace::Writer*> writer_{nullptr};
  std::vector<std::unique_ptr<RecordedSystem>> layers_;  // by entry index
};

void SystemRecorderDeleter::operator()(SystemRecorder* r) const noexcept { delete r; }

MemorySystem::~MemorySystem() = default;

AllocatorRef MemorySystem::recordable_system(std::string_view name) const {
  (void)system(name);  // throws for an unknown name or a pure scope
  return recording_layer(static_cast<std::size_t>(find(name)));
}

AllocatorRef MemorySystem::recording_layer(std::size_t i) const {
  const AllocatorRef target = try_system(systems_[i].name.view());  // the hard-budget gate when one applies
  const bool frame_arena = static_cast<std::size_t>(find("frame")) == i;
  if (!recorder_) recorder_.reset(new SystemRecorder(options_.max_systems));
  return recorder_->layer(i, target, systems_[i].name.view(), frame_arena ? frame_arena_.buffer_count() : 0);
}

void MemorySystem::record_to(trace::Writer& writer) {
  if (!recorder_) recorder_.reset(new SystemRecorder(options_.max_systems));
  recorder_->start(writer);
}

void MemorySystem::stop_recording() noexcept {
  if (recorder_) recorder_->stop();
}

trace::Writer* MemorySystem::recording() const noexcept { return recorder_ ? recorder_->writer() : nullptr; }

void MemorySystem::record_frame_event(bool begin) noexcept {
  trace::Writer* w = recorder_->writer();
  if (w == nullptr) return;
  const auto write = [&] {
    if (begin) {
      w->frame_begin(frame_);
    } else {
      w->frame_end(frame_);
      recorder_->flip_frame_arena(*w);  // end_frame flips the arena next, with nothing allocated between
    }
  };
#if defined(__cpp_exceptions)
  try {
    write();
  } catch (...) {
    // The writer was closed under a running recording: the frame boundary is lost, not the frame.
  }
#else
  write();  // a failure here goes to the error handler
#endif
}

}  // namespace fm
