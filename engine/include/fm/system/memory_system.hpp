// fm::MemorySystem: the registry of a game's memory. Named systems ("particles", "entities/ai") with
// their allocator, kind and budget; the frame arena; begin_frame()/end_frame() that run end-of-frame work,
// flip the frame arena and push a Snapshot into a fixed ring. Capacities are options; the ring's room is
// reserved at construction, so after registration nothing here touches the global heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fm/alloc/frame_arena.hpp"
#include "fm/alloc/pool.hpp"
#include "fm/core/allocator.hpp"
#include "fm/system/snapshot.hpp"

namespace fm {

namespace trace {
class Writer;
}
class SystemRecorder;  // memory_system_recording.cpp
struct SystemRecorderDeleter {
  void operator()(SystemRecorder* r) const noexcept;
};

// Capacities are fixed at construction, which reserves the ring's room for them: history × (systems, pools
// and page rows). The room is address space until used: each frame's rows are packed at the start of its
// slot, so resident memory grows with the rows a game actually registers (see docs/debugging.md).
struct MemorySystemOptions {
  FrameArenaOptions frame_arena = {};  // the frame arena the memory system owns, registered as system "frame"
  std::size_t frame_budget = 0;        // budget of the "frame" system (0 = none)
  std::size_t history = 256;           // snapshots kept in the ring (at least 1)
  std::size_t max_systems = 256;       // systems, implicit scopes and "frame" included
  std::size_t max_pools = 64;
  std::size_t max_name = 64;           // bytes of a system or kind name
  std::size_t max_pages = 4096;        // page-map rows per snapshot, shared by all pools (beyond: truncated)
};

class MemorySystem {
 public:
  explicit MemorySystem(MemorySystemOptions options = {});
  ~MemorySystem();
  MemorySystem(const MemorySystem&) = delete;
  MemorySystem& operator=(const MemorySystem&) = delete;

  // Registers `allocator` as system `name`. A name "a/b" is a child scope of "a" (created as a pure scope
  // when absent): its usage rolls up into "a", whose budget covers both. `budget` 0 means none. Order does
  // not matter: registering "a" after "a/b" gives the implicit scope "a" its allocator (or, with
  // add_scope, its budget), and snapshots list every system under its parent.
  // Throws fm::error naming the system and the reason (bad or duplicate name, too many systems) and then
  // registers nothing. The allocator must outlive the memory system. An allocator that reports per system
  // (fm::Tracking, also under other debug layers) is told `name`.
  void add_system(std::string_view name, AllocatorRef allocator, std::string_view kind, std::size_t budget = 0);
  // A pool is registered as a pool, so snapshots carry its pages, occupancy and fragmentation.
  void add_pool(std::string_view name, Pool& pool, std::size_t budget = 0);
  void add_system(std::string_view name, Pool& pool, std::size_t budget = 0) { add_pool(name, pool, budget); }
  // A scope without an allocator of its own: it groups children and can carry a budget for all of them.
  void add_scope(std::string_view name, std::size_t budget = 0);
  // The same, returning false instead of throwing.
  [[nodiscard]] bool try_add_system(std::string_view name, AllocatorRef allocator, std::string_view kind,
                                    std::size_t budget = 0) noexcept;
  [[nodiscard]] bool try_add_pool(std::string_view name, Pool& pool, std::size_t budget = 0) noexcept;
  [[nodiscard]] bool try_add_scope(std::string_view name, std::size_t budget = 0) noexcept;

  // The allocator of system `name`; throws fm::error for an unknown name or a pure scope.
  [[nodiscard]] AllocatorRef system(std::string_view name) const;
  // The same, or a null AllocatorRef.
  [[nodiscard]] AllocatorRef try_system(std::string_view name) const noexcept;

  [[nodiscard]] FrameArena& frame_arena() noexcept { return frame_arena_; }

  // Called by end_frame() before the snapshot, in registration order (e.g. HandlePool::flush for deferred
  // destroys). Register during set-up: registration may allocate, calls never do.
  void on_end_frame(std::function<void()> callback);
  // Called once each time a system goes over its budget (not again while it stays over).
  void on_budget_overrun(std::function<void(const SystemSnapshot&)> callback);

  void begin_frame() noexcept;
  // Runs end-of-frame callbacks, snapshots every system, reports budget overruns, flips the frame arena.
  void end_frame();

  // The snapshot of the last ended frame (an empty snapshot before the first end_frame()).
  [[nodiscard]] const Snapshot& latest() const noexcept;
  // Snapshot `age` frames before the latest (0 = latest); `age` < history_size().
  [[nodiscard]] const Snapshot& history(std::size_t age) const noexcept;
  [[nodiscard]] std::size_t history_size() const noexcept;
  [[nodiscard]] std::size_t history_capacity() const noexcept { return ring_.size(); }
  // An empty copy with room for any snapshot of this memory system.
  [[nodiscard]] SnapshotCopy make_copy() const;
  [[nodiscard]] const MemorySystemOptions& options() const noexcept { return options_; }

  // system(name) behind the memory system's recording layer: allocations through this ref are recorded
  // whenever a recording runs (record_to), however long before it the ref was taken; otherwise it only
  // forwards. The frame arena is handed out as itself (its blocks end when it flips, which the layer
  // does not see). Throws like system().
  [[nodiscard]] AllocatorRef recordable_system(std::string_view name) const;
  // Records every system into `writer` (docs/trace.md), which must outlive the recording: what is
  // allocated and freed through refs from recordable_system(), under the system's name, and frame
  // begin/end events numbered by frame(). A block allocated before the recording started is not recorded
  // when it is freed. Start and stop between frames, while no other thread allocates through the refs.
  void record_to(trace::Writer& writer);
  void stop_recording() noexcept;
  // The writer being recorded into, or null.
  [[nodiscard]] trace::Writer* recording() const noexcept;

  [[nodiscard]] std::uint64_t frame() const noexcept { return frame_; }
  [[nodiscard]] std::size_t system_count() const noexcept { return systems_.size(); }
  [[nodiscard]] std::uint64_t budget_overruns() const noexcept { return budget_overruns_; }

 private:
  struct Entry {
    AllocatorRef allocator;        // null for a pure scope
    Pool* pool = nullptr;          // set for systems registered as pools
    std::int32_t parent = -1;      // index into entries_, -1 at top level
    bool implicit = false;         // a scope created for a child, completed when its name is registered
    std::uint64_t allocations = 0; // cumulative counts at the previous end_frame, for per-frame diffs
    std::uint64_t frees = 0;
    std::uint64_t overruns = 0;
    bool over = false;
  };

  // recordable_system()'s ref for entries_[i] (memory_system_recording.cpp).
  [[nodiscard]] AllocatorRef recording_layer(std::size_t i) const;
  void record_frame_event(bool begin) noexcept;
  void add(std::string_view name, AllocatorRef allocator, Pool* pool, std::string_view kind, std::size_t budget);
  void append(std::string_view name, AllocatorRef allocator, Pool* pool, std::string_view kind, std::size_t budget,
              bool implicit);
  // Gives the implicit scope entries_[i] what its own registration brings.
  void complete(std::size_t i, AllocatorRef allocator, Pool* pool, std::string_view kind, std::size_t budget);
  // Recomputes the hierarchy order of snapshot rows after a registration.
  void layout();
  void place_children(std::int32_t parent);
  // Empty when `name` can be added, otherwise why not.
  [[nodiscard]] std::string rejection(std::string_view name, std::string_view kind, bool is_pool) const;
  [[nodiscard]] int find(std::string_view name) const noexcept;
  // The registry's copy of `s`: stable for the memory system's life, never moved (reserved at construction).
  [[nodiscard]] NameRef store_name(std::string_view s);
  void capture(std::size_t slot, Snapshot& s);
  void capture_system(std::size_t row, SystemSnapshot* at);
  // Fills `out`, its pages at `pages` (room for `room`); returns the number of pages written.
  std::size_t capture_pool(const Pool& pool, PoolSnapshot& out, PageSnapshot* pages, std::size_t room) const noexcept;
  void capture_frame_arena(FrameArenaSnapshot& out) const;
  void capture_heap(HeapSnapshot& out) noexcept;
  static void roll_up(std::span<SystemSnapshot> rows) noexcept;
  void check_budgets(std::span<SystemSnapshot> rows);

  MemorySystemOptions options_;
  FrameArena frame_arena_;
  std::vector<Entry> entries_;        // reserved for max_systems at construction
  std::vector<SystemSnapshot> systems_;  // the registered identity (name, kind, budget) of each entry
  std::vector<std::uint32_t> order_;     // hierarchy order: row k of a snapshot describes entries_[order_[k]]
  std::vector<SystemSnapshot> rows_;     // identities in hierarchy order, parent and pool as snapshot indices
  std::uint32_t pools_ = 0;
  std::vector<std::function<void()>> end_frame_callbacks_;
  std::vector<std::function<void(const SystemSnapshot&)>> overrun_callbacks_;
  std::vector<char> names_;              // every registered name and kind, NUL-terminated, append-only
  std::vector<Snapshot> ring_;           // snapshot headers; their rows live in ring_rows_
  // Room for one snapshot's rows per ring slot: systems, then pools, then pages, each packed after the
  // previous one's rows in use. Uninitialised until a frame writes it (rows are built in place).
  std::unique_ptr<std::byte[]> ring_rows_;
  std::size_t slot_bytes_ = 0;
  std::size_t ring_next_ = 0;
  std::size_t ring_filled_ = 0;
  std::uint64_t frame_ = 0;
  std::uint64_t budget_overruns_ = 0;
  std::uint64_t heap_allocations_ = 0;  // heap counts at the previous end_frame
  std::uint64_t heap_frees_ = 0;
  std::uint64_t heap_bytes_ = 0;
  double begin_seconds_ = 0;
  double previous_begin_seconds_ = -1;
  mutable std::unique_ptr<SystemRecorder, SystemRecorderDeleter> recorder_;  // made by the first recordable_system() or record_to()
};

}  // namespace fm
