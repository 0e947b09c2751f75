// The memory system's registry and frame loop. Registration validates names and reserves everything a
// frame needs; end_frame() then only reads allocator stats into a ring slot that already exists.
#include "fm/system/memory_system.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstring>
#include <limits>
#include <new>
#include <span>

#include "fm/core/error.hpp"
#include "fm/core/metrics.hpp"
#include "fm/debug/heap_counter.hpp"

namespace fm {

namespace {

double seconds_now() noexcept {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::string_view parent_of(std::string_view name) noexcept {
  const auto slash = name.rfind('/');
  return slash == std::string_view::npos ? std::string_view{} : name.substr(0, slash);
}

bool well_formed(std::string_view name) noexcept {
  return !name.empty() && name.front() != '/' && name.back() != '/' && name.find("//") == std::string_view::npos;
}

// Bit i of a page's live summary: some live block lies in the i-th 64th of the page's blocks, i.e. block b
// sets bit floor(64 b / blocks). The mapping is a multiply and a shift, set up once per pool and frame, so a
// page costs one step per live block and no division; pages of at most 64 blocks whose mapping is the
// identity (63 or 64 blocks: the 4 KiB page of 64-byte blocks) take their bitmap word as it is.
class LiveSummary {
 public:
  explicit LiveSummary(std::size_t blocks) noexcept
      : blocks_(blocks),
        identity_(blocks <= 64 && (blocks - 1) * (64 - blocks) < blocks),
        exact_(blocks < (std::size_t{1} << 16)),
        // ceil(2^38 / blocks): floor(b * multiplier_ / 2^32) == floor(64 b / blocks) for every b < blocks
        // while blocks^2 < 2^32 (the rounding error stays below 1 / blocks).
        multiplier_(((std::uint64_t{1} << 38) + blocks - 1) / std::max<std::size_t>(blocks, 1)) {}

  [[nodiscard]] std::uint64_t operator()(std::span<const std::uint64_t> bitmap) const noexcept {
    if (identity_) return bitmap[0] & (blocks_ == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << blocks_) - 1);
    std::uint64_t summary = 0;
    for (std::size_t w = 0; w < bitmap.size(); ++w) {
      for (std::uint64_t bits = bitmap[w]; bits != 0; bits &= bits - 1) {
        const std::uint64_t block = w * 64 + static_cast<std::uint64_t>(std::countr_zero(bits));
        summary |= std::uint64_t{1} << bit_of(block);
      }
    }
    return summary;
  }

 private:
  [[nodiscard]] std::uint64_t bit_of(std::uint64_t block) const noexcept {
    return exact_ ? (block * multiplier_) >> 32 : block * 64 / blocks_;
  }

  std::size_t blocks_;
  bool identity_;
  bool exact_;
  std::uint64_t multiplier_;
};

// Bytes of one ring slot's row room; throws for capacities whose room does not fit in memory at all.
std::size_t slot_bytes(const MemorySystemOptions& o) {
  constexpr std::size_t max = std::numeric_limits<std::size_t>::max();
  const auto fits = [](std::size_t count, std::size_t size, std::size_t left) { return count <= left / size; };
  std::size_t left = max / std::max<std::size_t>(o.history, 1);
  if (!fits(o.max_systems, sizeof(SystemSnapshot), left) || !fits(o.max_pools, sizeof(PoolSnapshot), left / 2) ||
      !fits(o.max_pages, sizeof(PageSnapshot), left / 4) || o.max_name > max / 4 / std::max<std::size_t>(o.max_systems, 1)) {
    raise(error("memory system: options ask for more snapshot room than the address space holds (max_systems " +
                std::to_string(o.max_systems) + ", max_pools " + std::to_string(o.max_pools) + ", max_pages " +
                std::to_string(o.max_pages) + ", history " + std::to_string(o.history) + ")"));
  }
  return o.max_systems * sizeof(SystemSnapshot) + o.max_pools * sizeof(PoolSnapshot) +
         o.max_pages * sizeof(PageSnapshot);
}

MemorySystemOptions checked(MemorySystemOptions o) {
  o.history = std::max<std::size_t>(o.history, 1);
  if (o.max_systems == 0) raise(error("memory system: max_systems must be at least 1 (the frame arena is a system)"));
  if (o.max_name < 11) {
    raise(error("memory system: max_name must be at least 11 (the frame arena is registered with kind \"frame arena\")"));
  }
  return o;
}

}  // namespace

MemorySystem::MemorySystem(MemorySystemOptions options)
    : options_(checked(options)), frame_arena_(options.frame_arena), ring_(options_.history) {
  slot_bytes_ = slot_bytes(options_);
  // Default-initialised bytes: the OS backs them when a frame first writes its rows, so the room costs
  // address space up front and resident memory only for the rows in use.
  ring_rows_.reset(new std::byte[slot_bytes_ * options_.history]);
  entries_.reserve(options_.max_systems);
  systems_.reserve(options_.max_systems);
  order_.reserve(options_.max_systems);
  rows_.reserve(options_.max_systems);
  names_.reserve(options_.max_systems * 2 * (options_.max_name + 1));  // each system: a name and a kind
  gates_ = std::make_unique<BudgetGate[]>(options_.max_systems);
  add_system("frame", frame_arena_, "frame arena", options.frame_budget);
  const auto heap = heap_counter::read();
  heap_allocations_ = heap.allocations;
  heap_frees_ = heap.deallocations;
  heap_bytes_ = heap.bytes;
}

NameRef MemorySystem::store_name(std::string_view s) {
  const std::size_t at = names_.size();
  names_.insert(names_.end(), s.begin(), s.end());
  names_.push_back('\0');
  NameRef r;
  r.chars = names_.data() + at;
  r.size = static_cast<std::uint32_t>(s.size());
  return r;
}

SnapshotCopy MemorySystem::make_copy() const {
  return SnapshotCopy(options_.max_systems, options_.max_pools, options_.max_pages);
}

std::string MemorySystem::rejection(std::string_view name, std::string_view kind, bool is_pool) const {
  if (!well_formed(name)) return "a name is non-empty parts separated by single '/'";
  const std::string limit = std::to_string(options_.max_name) + " bytes (MemorySystemOptions::max_name)";
  if (name.size() > options_.max_name) return "names are at most " + limit;
  if (kind.size() > options_.max_name) return "kinds are at most " + limit;
  const int existing = find(name);
  if (existing >= 0 && !entries_[static_cast<std::size_t>(existing)].implicit) return "a system of that name exists";
  std::size_t missing = existing >= 0 ? 0 : 1;  // the system itself, plus every enclosing scope not yet registered
  for (auto p = parent_of(name); missing != 0 && !p.empty() && find(p) < 0; p = parent_of(p)) ++missing;
  if (systems_.size() + missing > options_.max_systems) {
    return "at most " + std::to_string(options_.max_systems) + " systems, scopes included (MemorySystemOptions::max_systems)";
  }
  if (is_pool && pools_ == options_.max_pools) {
    return "at most " + std::to_string(options_.max_pools) + " pools (MemorySystemOptions::max_pools)";
  }
  return {};
}

int MemorySystem::find(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < systems_.size(); ++i) {
    if (systems_[i].name.view() == name) return static_cast<int>(i);
  }
  return -1;
}

void MemorySystem::add(std::string_view name, AllocatorRef allocator, Pool* pool, std::string_view kind,
                       const Budget& budget) {
  if (const auto why = rejection(name, kind, pool != nullptr); !why.empty()) {
    raise(error("memory system: cannot add system '" + std::string(name) + "': " + why));
  }
  if (allocator) allocator.set_system_name(name);  // so a tracker's reports say which system leaked
  if (const int existing = find(name); existing >= 0) {
    complete(static_cast<std::size_t>(existing), allocator, pool, kind, budget);
  } else {
    append(name, allocator, pool, kind, budget, false);
  }
  layout();
}

void MemorySystem::append(std::string_view name, AllocatorRef allocator, Pool* pool, std::string_view kind,
                          const Budget& budget, bool implicit) {
  const auto parent_name = parent_of(name);
  if (!parent_name.empty() && find(parent_name) < 0) append(parent_name, {}, nullptr, "scope", {}, true);
  SystemSnapshot s;
  s.name = store_name(name);
  Entry e;
  e.parent = parent_name.empty() ? -1 : find(parent_name);
  e.implicit = implicit;
  s.depth = e.parent < 0 ? 0 : systems_[static_cast<std::size_t>(e.parent)].depth + 1;
  systems_.push_back(s);
  entries_.push_back(e);
  complete(entries_.size() - 1, allocator, pool, kind, budget);
  entries_.back().implicit = implicit;
}

void MemorySystem::complete(std::size_t i, AllocatorRef allocator, Pool* pool, std::string_view kind,
                            const Budget& budget) {
  SystemSnapshot& s = systems_[i];
  Entry& e = entries_[i];
  s.kind = kind == "scope" ? NameRef("scope") : store_name(kind);
  s.has_allocator = static_cast<bool>(allocator);
  s.budget = budget.soft;
  s.hard_budget = budget.hard;
  s.frame_allocation_budget = budget.per_frame_allocations;
  e.hard_budget = budget.hard;
  e.frame_allocation_budget = budget.per_frame_allocations;
  e.frame_check = budget.per_frame_check;
  e.implicit = false;
  e.allocator = allocator;
  e.pool = pool;
  if (pool) ++pools_;
  if (allocator) {
    const AllocatorStats st = allocator.stats();
    e.allocations = st.allocations;
    e.frees = st.deallocations;
  }
}

// Snapshot rows in pre-order: each system, then its children in registration order. Registration is
// set-up work, so the quadratic walk is fine.
void MemorySystem::layout() {
  order_.clear();
  place_children(-1);
  rows_.clear();
  std::vector<std::int32_t> row_of(entries_.size(), -1);
  std::int32_t pool = 0;
  for (const std::uint32_t i : order_) {
    Entry& e = entries_[i];
    SystemSnapshot r = systems_[i];
    r.parent = e.parent < 0 ? -1 : row_of[static_cast<std::size_t>(e.parent)];
    r.pool = e.pool ? pool++ : -1;
    row_of[i] = static_cast<std::int32_t>(rows_.size());
    e.row = static_cast<std::uint32_t>(rows_.size());
    e.subtree_rows = 1;
    // A scope created implicitly can still be registered with a hard budget, so its subtree's allocators are
    // handed out behind the gate already: the check then follows the registration, whenever it comes.
    const Entry* parent = e.parent < 0 ? nullptr : &entries_[static_cast<std::size_t>(e.parent)];
    e.gated = e.hard_budget != 0 || (parent != nullptr && (parent->gated || parent->implicit));
    gates_[i] = BudgetGate(*this, i);
    rows_.push_back(r);
  }
  // Pre-order: a row's subtree is the rows after it up to the next row that is not a descendant.
  for (std::size_t k = rows_.size(); k-- > 0;) {
    const std::int32_t parent = entries_[order_[k]].parent;
    if (parent >= 0) entries_[static_cast<std::size_t>(parent)].subtree_rows += entries_[order_[k]].subtree_rows;
  }
}

void MemorySystem::place_children(std::int32_t parent) {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].parent != parent) continue;
    order_.push_back(static_cast<std::uint32_t>(i));
    place_children(static_cast<std::int32_t>(i));
  }
}

void MemorySystem::add_system(std::string_view name, AllocatorRef allocator, std::string_view kind,
                              const Budget& budget) {
  if (!allocator) raise(error("memory system: cannot add system '" + std::string(name) + "': null allocator"));
  add(name, allocator, nullptr, kind, budget);
}

void MemorySystem::add_pool(std::string_view name, Pool& pool, const Budget& budget) {
  add(name, pool, &pool, "pool", budget);
}

void MemorySystem::add_scope(std::string_view name, const Budget& budget) { add(name, {}, nullptr, "scope", budget); }

// Registration is set-up work, not a hot path: the try_ twins ask rejection() first, so the registration they
// then run fails only where memory or the allocator's set_system_name does (without exceptions, those end
// the program as they would anywhere else).
template <class F>
static bool succeeded(F&& registration) noexcept {
#if defined(__cpp_exceptions)
  try {
    registration();
    return true;
  } catch (...) {
    return false;
  }
#else
  registration();
  return true;
#endif
}

bool MemorySystem::acceptable(std::string_view name, std::string_view kind, bool is_pool) const noexcept {
  bool ok = false;
  return detail::grew([&] { ok = rejection(name, kind, is_pool).empty(); }) && ok;
}

bool MemorySystem::try_add_system(std::string_view name, AllocatorRef allocator, std::string_view kind,
                                  const Budget& budget) noexcept {
  return allocator && acceptable(name, kind, false) && succeeded([&] { add_system(name, allocator, kind, budget); });
}

bool MemorySystem::try_add_pool(std::string_view name, Pool& pool, const Budget& budget) noexcept {
  return acceptable(name, "pool", true) && succeeded([&] { add_pool(name, pool, budget); });
}

bool MemorySystem::try_add_scope(std::string_view name, const Budget& budget) noexcept {
  return acceptable(name, "scope", false) && succeeded([&] { add_scope(name, budget); });
}

AllocatorRef MemorySystem::try_system(std::string_view name) const noexcept {
  const int i = find(name);
  if (i < 0) return {};
  const Entry& e = entries_[static_cast<std::size_t>(i)];
  if (!e.allocator || !e.gated) return e.allocator;
  return gates_[static_cast<std::size_t>(i)];
}

AllocatorRef MemorySystem::system(std::string_view name) const {
  const int i = find(name);
  if (i < 0) raise(error("memory system: no system named '" + std::string(name) + "'"));
  if (!entries_[static_cast<std::size_t>(i)].allocator) {
    raise(error("memory system: '" + std::string(name) + "' is a scope without an allocator of its own"));
  }
  return try_system(name);
}

// Hard budgets: a request is checked against the system's budget and every enclosing scope's before it
// reaches the allocator, so a refused request changes nothing but the refusal count.
void* MemorySystem::BudgetGate::allocate(std::size_t size, std::size_t align, std::source_location where) {
  if (const int owner = owner_->refusing_budget(entry_, size, align); owner >= 0) {
    ++owner_->entries_[static_cast<std::size_t>(owner)].refused;
    raise(owner_->refusal(entry_, owner, size, align));
  }
  return inner().allocate(size, align, where);
}

void* MemorySystem::BudgetGate::try_allocate(std::size_t size, std::size_t align, std::source_location where) noexcept {
  if (const int owner = owner_->refusing_budget(entry_, size, align); owner >= 0) {
    ++owner_->entries_[static_cast<std::size_t>(owner)].refused;
    return nullptr;
  }
  return inner().try_allocate(size, align, where);
}

int MemorySystem::refusing_budget(std::uint32_t i, std::size_t size, std::size_t align) const noexcept {
  // What the request adds to the used bytes: a pool hands out a whole block for anything that fits one.
  const Pool* pool = entries_[i].pool;
  const bool block = pool != nullptr && size <= pool->block_size() && align <= pool->block_align();
  const std::uint64_t charge = block ? pool->block_size() : size;
  for (int k = static_cast<int>(i); k >= 0; k = entries_[static_cast<std::size_t>(k)].parent) {
    const std::uint64_t hard = entries_[static_cast<std::size_t>(k)].hard_budget;
    if (hard != 0 && (charge > hard || used_now(static_cast<std::uint32_t>(k)) > hard - charge)) return k;
  }
  return -1;
}

std::uint64_t MemorySystem::used_now(std::uint32_t i) const noexcept {
  std::uint64_t used = 0;
  const std::uint32_t first = entries_[i].row;
  for (std::uint32_t r = first; r < first + entries_[i].subtree_rows; ++r) {
    if (const AllocatorRef a = entries_[order_[r]].allocator) used += a.stats().bytes_used;
  }
  return used;
}

out_of_memory MemorySystem::refusal(std::uint32_t i, int budget_owner, std::size_t size, std::size_t align) const {
  const auto k = static_cast<std::uint32_t>(budget_owner);
  return out_of_memory(systems_[i].name.view(), size, align, entries_[k].hard_budget,
                       "over the hard budget of system '" + std::string(systems_[k].name.view()) + "': " +
                           std::to_string(used_now(k)) + " of " + std::to_string(entries_[k].hard_budget) +
                           " bytes used");
}

void MemorySystem::on_end_frame(std::function<void()> callback) { end_frame_callbacks_.push_back(std::move(callback)); }

void MemorySystem::on_budget_overrun(std::function<void(const SystemSnapshot&)> callback) {
  overrun_callbacks_.push_back(std::move(callback));
}

void MemorySystem::begin_frame() noexcept {
  ++frame_;
  previous_begin_seconds_ = frame_ == 1 ? -1 : begin_seconds_;
  begin_seconds_ = seconds_now();
  if (recorder_) record_frame_event(true);
}

void MemorySystem::end_frame() {
  for (auto& callback : end_frame_callbacks_) callback();
  if (recorder_) record_frame_event(false);
  capture(ring_next_, ring_[ring_next_]);
  ring_next_ = (ring_next_ + 1) % ring_.size();
  ring_filled_ = std::min(ring_filled_ + 1, ring_.size());
  frame_arena_.next_frame();
  check_frame_contracts();
}

// The assertion mode of per-frame budgets, after the frame is complete so the snapshot shows the breach.
void MemorySystem::check_frame_contracts() const {
  for (const SystemSnapshot& sys : latest().systems) {
    const Entry& e = entries_[order_[static_cast<std::size_t>(&sys - latest().systems.data())]];
    if (!sys.over_frame_budget || e.frame_check != FrameBudgetCheck::fail) continue;
    raise(error("memory system: system '" + std::string(sys.name.view()) + "' is over its per-frame budget in frame " +
                std::to_string(latest().frame) + ": allocations " + std::to_string(sys.total_allocations_this_frame) +
                ", budget " + std::to_string(*sys.frame_allocation_budget) + " (Budget::per_frame_allocations)"));
  }
}

// Rows go into the slot's room packed one kind after the other, so a frame touches only the bytes it uses.
void MemorySystem::capture(std::size_t slot, Snapshot& s) {
  std::byte* room = ring_rows_.get() + slot * slot_bytes_;
  const std::size_t n = rows_.size();
  for (std::size_t k = 0; k < n; ++k) capture_system(k, new (room + k * sizeof(SystemSnapshot)) SystemSnapshot);
  const std::span<SystemSnapshot> systems(std::launder(reinterpret_cast<SystemSnapshot*>(room)), n);
  room += n * sizeof(SystemSnapshot);
  std::byte* page_room = room + pools_ * sizeof(PoolSnapshot);
  std::size_t pages_left = options_.max_pages;
  for (std::size_t k = 0; k < n; ++k) {
    Pool* pool = entries_[order_[k]].pool;
    if (pool == nullptr) continue;
    auto* p = new (room + static_cast<std::size_t>(rows_[k].pool) * sizeof(PoolSnapshot)) PoolSnapshot;
    p->system = static_cast<std::uint32_t>(k);
    const std::size_t written = capture_pool(*pool, *p, reinterpret_cast<PageSnapshot*>(page_room), pages_left,
                                             entries_[order_[k]].last_pages);
    page_room += written * sizeof(PageSnapshot);
    pages_left -= written;
  }
  s.frame = frame_;
  s.frame_seconds = seconds_now() - begin_seconds_;
  s.interval_seconds = previous_begin_seconds_ < 0 ? 0 : begin_seconds_ - previous_begin_seconds_;
  s.systems = systems;
  s.pools = {std::launder(reinterpret_cast<PoolSnapshot*>(room)), pools_};
  roll_up(systems);
  check_budgets(systems);
  s.budget_overruns = budget_overruns_;
  capture_frame_arena(s.frame_arena);
  s.frame_arena.bytes_held = systems[0].bytes_used;  // "frame" is registered first, so it is row 0
  capture_heap(s.heap);
}

void MemorySystem::capture_system(std::size_t row, SystemSnapshot* at) {
  Entry& e = entries_[order_[row]];
  SystemSnapshot& out = *at;
  out = rows_[row];
  out.budget_overruns = e.overruns;
  out.allocations_refused = e.refused;
  out.allocations_refused_this_frame = e.refused - e.refused_before;
  e.refused_before = e.refused;
  if (!e.allocator) return;
  const AllocatorStats st = e.allocator.stats();
  out.bytes_used = st.bytes_used;
  out.bytes_reserved = st.bytes_reserved;
  out.bytes_peak = st.bytes_peak;
  out.allocations_total = st.allocations;
  out.frees_total = st.deallocations;
  out.allocations_this_frame = st.allocations - e.allocations;
  out.frees_this_frame = st.deallocations - e.frees;
  out.overflow_events = st.overflow_events;
  out.overhead = metrics::overhead(st.bytes_reserved, st.bytes_used);
  e.allocations = st.allocations;
  e.frees = st.deallocations;
}

std::size_t MemorySystem::capture_pool(Pool& pool, PoolSnapshot& out, PageSnapshot* pages, std::size_t room,
                                       PageRows& last) const noexcept {
  const PoolStats st = pool.pool_stats();
  out.block_size = st.block_size;
  out.page_bytes = st.page_bytes;
  out.live_blocks = st.live_blocks;
  out.committed_blocks = st.committed_blocks;
  out.committed_pages = static_cast<std::uint32_t>(st.pages);
  out.empty_pages = static_cast<std::uint32_t>(st.empty_pages);
  out.partial_pages = static_cast<std::uint32_t>(st.partial_pages);
  out.full_pages = static_cast<std::uint32_t>(st.full_pages);
  out.occupancy = st.occupancy;
  out.page_fragmentation = st.page_fragmentation;
  out.releasable_bytes = st.releasable_bytes;
  out.free_list_scatter = st.free_list_scatter;
  const std::size_t page_total = pool.page_count();
  const std::size_t written = std::min(page_total, room);
  out.pages_truncated = written < page_total;
  // Pages are in address order, so the range takes two pages, not a walk over all of them.
  const auto page_address = [&](std::size_t i) { return reinterpret_cast<std::uint64_t>(pool.page_info(i).page); };
  out.address_begin = page_total == 0 ? 0 : page_address(0);
  out.address_end = page_total == 0 ? 0 : page_address(page_total - 1) + st.page_bytes;
  // With one ring slot the last rows are in the slot being rebuilt, so they are read again.
  if (ring_.size() > 1 && last.rows != nullptr && last.count == written && pool.change_epoch() == last.read_to.epoch) {
    std::memcpy(static_cast<void*>(pages), last.rows, written * sizeof(PageSnapshot));
    read_changed_pages(pool, pages, written, last.read_to.logged);
  } else {
    read_pages(pool, pages, written);
  }
  last = PageRows{pages, written, pool.mark_changes_read()};
  out.pages = {std::launder(pages), written};
  return written;
}

namespace {

void read_page(const Pool& pool, const LiveSummary& summary, std::size_t i, PageSnapshot* row) noexcept {
  const PageInfo info = pool.page_info(i);
  new (row) PageSnapshot{reinterpret_cast<std::uint64_t>(info.page), static_cast<std::uint32_t>(info.live),
                         static_cast<std::uint32_t>(info.blocks), summary(info.bitmap)};
}

}  // namespace

// Every page row of a pool whose last rows cannot be reused: one bitmap summary per page.
void MemorySystem::read_pages(const Pool& pool, PageSnapshot* pages, std::size_t count) noexcept {
  const LiveSummary summary(pool.blocks_per_page());
  for (std::size_t i = 0; i < count; ++i) read_page(pool, summary, i, pages + i);
}

// The rows, among the first `count`, of the pages the pool's change log lists from position `from`; the others
// are current. Rows are in address order, so a page above the last row has none and needs no search.
void MemorySystem::read_changed_pages(const Pool& pool, PageSnapshot* pages, std::size_t count,
                                      std::size_t from) noexcept {
  const auto changed = pool.changed_pages().subspan(from);
  if (changed.empty() || count == 0) return;
  const std::uint64_t last_row = pages[count - 1].address;
  const LiveSummary summary(pool.blocks_per_page());
  for (const std::byte* page : changed) {
    if (reinterpret_cast<std::uint64_t>(page) > last_row) continue;
    const std::size_t i = pool.page_index(page);
    read_page(pool, summary, i, pages + i);
  }
}

void MemorySystem::capture_frame_arena(FrameArenaSnapshot& out) const {
  const ArenaStats st = frame_arena_.arena_stats();
  out.available = true;
  out.bytes_this_frame = st.bytes_used;
  out.capacity_per_frame = st.capacity;
  out.high_water = st.high_water;
  out.padding = st.padding;
  out.overflow_events = st.overflow_events;
}

void MemorySystem::capture_heap(HeapSnapshot& out) noexcept {
  const auto now = heap_counter::read();
  out.available = heap_counter::installed();
  out.allocations_this_frame = now.allocations - heap_allocations_;
  out.frees_this_frame = now.deallocations - heap_frees_;
  out.bytes_this_frame = now.bytes - heap_bytes_;
  out.allocations_total = now.allocations;
  out.bytes_total = now.bytes;
  heap_allocations_ = now.allocations;
  heap_frees_ = now.deallocations;
  heap_bytes_ = now.bytes;
}

// Rows are in hierarchy order (parents first), so one backward pass adds every subtree into its root.
void MemorySystem::roll_up(std::span<SystemSnapshot> rows) noexcept {
  for (SystemSnapshot& r : rows) {
    r.total_bytes_used = r.bytes_used;
    r.total_bytes_reserved = r.bytes_reserved;
    r.total_allocations_this_frame = r.allocations_this_frame;
  }
  for (std::size_t i = rows.size(); i-- > 0;) {
    const SystemSnapshot& child = rows[i];
    if (child.parent < 0) continue;
    SystemSnapshot& parent = rows[static_cast<std::size_t>(child.parent)];
    parent.total_bytes_used += child.total_bytes_used;
    parent.total_bytes_reserved += child.total_bytes_reserved;
    parent.total_allocations_this_frame += child.total_allocations_this_frame;
  }
}

void MemorySystem::check_budgets(std::span<SystemSnapshot> rows) {
  for (std::size_t i = 0; i < rows.size(); ++i) {
    SystemSnapshot& sys = rows[i];
    Entry& e = entries_[order_[i]];
    sys.over_soft_budget = sys.budget != 0 && sys.total_bytes_used > sys.budget;
    sys.over_hard_budget =
        sys.allocations_refused_this_frame != 0 || (sys.hard_budget != 0 && sys.total_bytes_used > sys.hard_budget);
    sys.over_frame_budget =
        sys.frame_allocation_budget && sys.total_allocations_this_frame > *sys.frame_allocation_budget;
    sys.over_budget = sys.over_soft_budget || sys.over_hard_budget || sys.over_frame_budget;
    const unsigned over = over_mask(sys);
    const bool newly_over = (over & ~e.over) != 0;
    e.over = over;
    if (!newly_over) continue;
    ++e.overruns;
    ++budget_overruns_;
    sys.budget_overruns = e.overruns;
    for (auto& callback : overrun_callbacks_) callback(sys);
  }
}

unsigned MemorySystem::over_mask(const SystemSnapshot& s) noexcept {
  return (s.over_soft_budget ? 1u : 0u) | (s.over_hard_budget ? 2u : 0u) | (s.over_frame_budget ? 4u : 0u);
}

const Snapshot& MemorySystem::history(std::size_t age) const noexcept {
  return ring_[(ring_next_ + ring_.size() - 1 - age % ring_.size()) % ring_.size()];
}

const Snapshot& MemorySystem::latest() const noexcept { return history(0); }

std::size_t MemorySystem::history_size() const noexcept { return ring_filled_; }

}  // namespace fm
