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
class RecordedSystem {
 public:
  RecordedSystem(AllocatorRef target, std::string name, const std::atomic<trace::Writer*>& writer)
      : target_(target), name_(std::move(name)), writer_(writer) {}

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
    if (trace::Writer* w = writer_.load(std::memory_order_acquire); w != nullptr && p != nullptr) [[unlikely]] {
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

  // A new recording: the system's number in `w`, and no block known yet.
  void start(trace::Writer& w) {
    const std::lock_guard lock(mutex_);
    system_ = w.system(name_);
    live_.clear();
  }

 private:
  static std::uintptr_t id(const void* p) noexcept { return reinterpret_cast<std::uintptr_t>(p); }

  void note_allocated(trace::Writer& w, const void* p, std::size_t size, std::size_t align) {
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
};

}  // namespace

class SystemRecorder {
 public:
  explicit SystemRecorder(std::size_t max_systems) { layers_.resize(max_systems); }

  // The layer of entry `i`, made on first use; its address never changes.
  RecordedSystem& layer(std::size_t i, AllocatorRef target, std::string_view name) {
    if (!layers_[i]) {
      layers_[i] = std::make_unique<RecordedSystem>(target, std::string(name), writer_);
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
  // The frame arena's users hold it directly, and its blocks end when it flips, which the layer does
  // not see: it is handed out as itself.
  if (target == AllocatorRef(const_cast<FrameArena&>(frame_arena_))) return target;
  if (!recorder_) recorder_.reset(new SystemRecorder(options_.max_systems));
  return recorder_->layer(i, target, systems_[i].name.view());
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
