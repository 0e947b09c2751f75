// fm::MemorySystem: the registry of a game's memory. Named systems ("particles", "entities/ai") with
// their allocator, kind and budget; the frame arena; begin_frame()/end_frame() that run end-of-frame work,
// flip the frame arena and push a Snapshot into a fixed ring. Capacities are options; the ring's room is
// reserved at construction, so after registration nothing here touches the global heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <source_location>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fm/alloc/frame_arena.hpp"
#include "fm/alloc/pool.hpp"
#include "fm/core/allocator.hpp"
#include "fm/core/error.hpp"
#include "fm/system/budget.hpp"
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
  // when absent): its usage rolls up into "a", whose budgets cover both. Order does not matter: registering
  // "a" after "a/b" gives the implicit scope "a" its allocator (or, with add_scope, its budget), and
  // snapshots list every system under its parent.
  // Throws fm::error naming the system and the reason (bad or duplicate name, too many systems) and then
  // registers nothing. The allocator must outlive the memory system and stay where it is: the registration
  // refers to the object, so moving a registered pool or arena leaves it on the moved-from, empty object
  // (register after moving, e.g. once the container holding it has stopped growing). An allocator that
  // reports per system (fm::Tracking, also under other debug layers) is told `name`.
  void add_system(std::string_view name, AllocatorRef allocator, std::string_view kind, const Budget& budget);
  // A pool is registered as a pool, so snapshots carry its pages, occupancy and fragmentation.
  void add_pool(std::string_view name, Pool& pool, const Budget& budget);
  // A scope without an allocator of its own: it groups children and can carry budgets for all of them.
  void add_scope(std::string_view name, const Budget& budget);
  // The same, returning false instead of throwing.
  [[nodiscard]] bool try_add_system(std::string_view name, AllocatorRef allocator, std::string_view kind,
                                    const Budget& budget) noexcept;
  [[nodiscard]] bool try_add_pool(std::string_view name, Pool& pool, const Budget& budget) noexcept;
  [[nodiscard]] bool try_add_scope(std::string_view name, const Budget& budget) noexcept;

  // A plain number is the soft budget in bytes (0 = none).
  void add_system(std::string_view name, AllocatorRef allocator, std::string_view kind, std::size_t budget = 0) {
    add_system(name, allocator, kind, Budget{.soft = budget});
  }
  void add_pool(std::string_view name, Pool& pool, std::size_t budget = 0) { add_pool(name, pool, Budget{.soft = budget}); }
  void add_system(std::string_view name, Pool& pool, std::size_t budget = 0) { add_pool(name, pool, budget); }
  void add_scope(std::string_view name, std::size_t budget = 0) { add_scope(name, Budget{.soft = budget}); }
  [[nodiscard]] bool try_add_system(std::string_view name, AllocatorRef allocator, std::string_view kind,
                                    std::size_t budget = 0) noexcept {
    return try_add_system(name, allocator, kind, Budget{.soft = budget});
  }
  [[nodiscard]] bool try_add_pool(std::string_view name, Pool& pool, std::size_t budget = 0) noexcept {
    return try_add_pool(name, pool, Budget{.soft = budget});
  }
  [[nodiscard]] bool try_add_scope(std::string_view name, std::size_t budget = 0) noexcept {
    return try_add_scope(name, Budget{.soft = budget});
  }

  // The allocator of system `name`; throws fm::error for an unknown name or a pure scope. When a hard budget
  // applies to the system (its own or an enclosing scope's), or can still be registered (an enclosing scope
  // so far only created implicitly by a child's name), this is the memory system's allocator in front of the
  // registered one: it refuses what would pass a hard budget, including one registered after it was taken.
  // Otherwise it is the registered allocator itself. Allocations made on the registered allocator directly,
  // not through this, are never refused: the memory system sees them only in the allocator's stats, so the
  // snapshot row shows them (over_hard_budget) but cannot stop them.
  [[nodiscard]] AllocatorRef system(std::string_view name) const;
  // The same, or a null AllocatorRef.
  [[nodiscard]] AllocatorRef try_system(std::string_view name) const noexcept;

  [[nodiscard]] FrameArena& frame_arena() noexcept { return frame_arena_; }

  // Called by end_frame() before the snapshot, in registration order (e.g. HandlePool::flush for deferred
  // destroys). Register during set-up: registration may allocate, calls never do.
  void on_end_frame(std::function<void()> callback);
  // Called once each time a system goes over one of its budgets (not again while it stays over that one).
  void on_budget_overrun(std::function<void(const SystemSnapshot&)> callback);

  void begin_frame() noexcept;
  // Runs end-of-frame callbacks, snapshots every system, reports budget overruns, flips the frame arena.
  // Then, when a system whose per-frame check is FrameBudgetCheck::fail made more allocations than its
  // per-frame budget, throws fm::error naming the system, the frame and the budget (the frame is complete).
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
  // forwards. The frame arena ("frame") is recorded as one trace system per buffer ("frame/buffer 0",
  // ...) whose blocks end at the end_frame() that recycles the buffer (a RESET). Throws like system().
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
  // The page rows a pool got in the last snapshot and where in the pool's change log they are current to.
  // While the pool's change epoch is the same (Pool::change_epoch), the next snapshot copies these rows and
  // reads again only the pages logged since, so a frame costs what changed rather than every page. Each memory
  // system keeps its own position, so several can read one pool without forcing each other to read it all.
  struct PageRows {
    const PageSnapshot* rows = nullptr;
    std::size_t count = 0;
    Pool::ChangeLogPosition read_to;
  };

  // What system(name) hands out for a system under a hard budget: the registered allocator behind a check
  // of every hard budget from the system up to its top-level scope.
  class BudgetGate {
   public:
    BudgetGate() = default;
    BudgetGate(MemorySystem& owner, std::uint32_t entry) noexcept : owner_(&owner), entry_(entry) {}
    [[nodiscard]] void* allocate(std::size_t size, std::size_t align,
                                 std::source_location where = std::source_location::current());
    [[nodiscard]] void* try_allocate(std::size_t size, std::size_t align,
                                     std::source_location where = std::source_location::current()) noexcept;
    void deallocate(void* p, std::size_t size, std::size_t align) { inner().deallocate(p, size, align); }
    void check_free(const void* p, std::size_t size, std::size_t align) const { inner().check_free(p, size, align); }
    [[nodiscard]] std::size_t max_alignment() const noexcept { return inner().max_alignment(); }
    [[nodiscard]] AllocatorStats stats() const noexcept { return inner().stats(); }
    [[nodiscard]] std::string_view name() const noexcept { return inner().name(); }

   private:
    [[nodiscard]] AllocatorRef inner() const noexcept { return owner_->entries_[entry_].allocator; }
    MemorySystem* owner_ = nullptr;
    std::uint32_t entry_ = 0;
  };

  struct Entry {
    AllocatorRef allocator;        // null for a pure scope
    Pool* pool = nullptr;          // set for systems registered as pools
    std::int32_t parent = -1;      // index into entries_, -1 at top level
    std::uint32_t row = 0;         // snapshot row; the rows of its subtree follow it
    std::uint32_t subtree_rows = 1;
    std::size_t hard_budget = 0;
    std::optional<std::uint64_t> frame_allocation_budget;
    FrameBudgetCheck frame_check = FrameBudgetCheck::report;
    bool gated = false;            // a hard budget applies or can still be registered: system() hands out gates_[i]
    std::uint64_t refused = 0;     // allocations its hard budget refused, cumulative
    std::uint64_t refused_before = 0;  // refused at the previous end_frame
    bool implicit = false;         // a scope created for a child, completed when its name is registered
    std::uint64_t allocations = 0; // cumulative counts at the previous end_frame, for per-frame diffs
    std::uint64_t frees = 0;
    std::uint64_t overruns = 0;
    unsigned over = 0;             // which budgets it was over at the previous end_frame (bits of over_mask)
    PageRows last_pages;           // pools only
  };

  // recordable_system()'s ref for entries_[i] (memory_system_recording.cpp).
  [[nodiscard]] AllocatorRef recording_layer(std::size_t i) const;
  void record_frame_event(bool begin) noexcept;
  void add(std::string_view name, AllocatorRef allocator, Pool* pool, std::string_view kind, const Budget& budget);
  void append(std::string_view name, AllocatorRef allocator, Pool* pool, std::string_view kind, const Budget& budget,
              bool implicit);
  // Gives the implicit scope entries_[i] what its own registration brings.
  void complete(std::size_t i, AllocatorRef allocator, Pool* pool, std::string_view kind, const Budget& budget);
  // The entry whose hard budget a request of `size` bytes through entries_[i] would pass, or -1.
  [[nodiscard]] int refusing_budget(std::uint32_t i, std::size_t size, std::size_t align) const noexcept;
  // Rolled-up used bytes of entries_[i] now, from its allocators' stats.
  [[nodiscard]] std::uint64_t used_now(std::uint32_t i) const noexcept;
  [[nodiscard]] out_of_memory refusal(std::uint32_t i, int budget_owner, std::size_t size, std::size_t align) const;
  void check_frame_contracts() const;
  [[nodiscard]] static unsigned over_mask(const SystemSnapshot& s) noexcept;
  // Recomputes the hierarchy order of snapshot rows after a registration.
  void layout();
  void place_children(std::int32_t parent);
  // Empty when `name` can be added, otherwise why not.
  [[nodiscard]] std::string rejection(std::string_view name, std::string_view kind, bool is_pool) const;
  [[nodiscard]] bool acceptable(std::string_view name, std::string_view kind, bool is_pool) const noexcept;
  [[nodiscard]] int find(std::string_view name) const noexcept;
  // The registry's copy of `s`: stable for the memory system's life, never moved (reserved at construction).
  [[nodiscard]] NameRef store_name(std::string_view s);
  void capture(std::size_t slot, Snapshot& s);
  void capture_system(std::size_t row, SystemSnapshot* at);
  // Fills `out`, its pages at `pages` (room for `room`); returns the number of pages written.
  // `last` is what its previous snapshot rows describe; the pool's change log is read from its position.
  std::size_t capture_pool(Pool& pool, PoolSnapshot& out, PageSnapshot* pages, std::size_t room,
                           PageRows& last) const noexcept;
  static void read_pages(const Pool& pool, PageSnapshot* pages, std::size_t count) noexcept;
  static void read_changed_pages(const Pool& pool, PageSnapshot* pages, std::size_t count, std::size_t from) noexcept;
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
  std::unique_ptr<BudgetGate[]> gates_;  // one per entry (max_systems), stable: handed out by system()
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
