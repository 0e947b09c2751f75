// Reference model of fm::MemorySystem's registry and snapshots: registrations in any order (implicit
// parent scopes, later completed), bad names and full capacities, bytes per system, and after every frame
// the snapshot rows (hierarchy order, depth, parent, kind, own and rolled-up bytes, soft, hard and
// per-frame budgets with which of them each frame kept, refusals and overruns), allocations through
// MemorySystem::system() that a hard budget refuses, the per-frame check that fails end_frame,
// the view rows the overlay draws, and each pool's page rows (live blocks and live summary per page, the
// shared page room) in the latest snapshot and, unchanged, in the one before. The model is a map of names
// and a list of live blocks per pool; no code is shared with the registry.
#pragma once

#include <algorithm>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fm/alloc/pool.hpp"
#include "fm/core/allocator.hpp"
#include "fm/core/error.hpp"
#include "fm/system/memory_system.hpp"
#include "fm/system/view.hpp"
#include "model/source.hpp"

namespace fm::model {

class MemorySystemModel {
 public:
  // One ring slot (page rows rebuilt in place) up to three; a page room small enough to run out.
  explicit MemorySystemModel(Source& src)
      : src_(src),
        ms_({.history = 1 + src.below(3), .max_systems = 12, .max_pools = 2, .max_name = 11, .max_pages = 6}) {
    created_.push_back("frame");
    systems_["frame"] = System{.has_allocator = true, .kind = "frame arena"};
  }
  MemorySystemModel(const MemorySystemModel&) = delete;
  MemorySystemModel& operator=(const MemorySystemModel&) = delete;
  ~MemorySystemModel() {
    for (auto& [name, blocks] : blocks_) {
      for (auto [p, size] : blocks) allocators_.at(name).deallocate(p, size);
    }
    for (auto& [name, blocks] : pool_blocks_) {
      for (void* p : blocks) pools_.at(name)->deallocate(p, pools_.at(name)->block_size());
    }
  }

  void step() {
    const unsigned op = src_.below(12);
    if (op < 4) return add();
    if (op < 7) return allocate_or_free();
    if (op < 9) return use_pool();
    end_frame();
  }

  void end_frame() {
    ms_.begin_frame();
    std::string failure;
    try {
      ms_.end_frame();
    } catch (const fm::error& e) {
      failure = e.what();
    }
    const std::string failing = check_snapshot();
    expect(failure.empty() == failing.empty(), "end_frame: expected " +
                                                   (failing.empty() ? "no failure" : "'" + failing + "' to fail") +
                                                   ", got '" + failure + "'");
    expect(failing.empty() || failure.find("system '" + failing + "' is over its per-frame budget") != std::string::npos,
           "the per-frame failure names '" + failing + "': " + failure);
    check_earlier_pages();
    for (auto& [name, s] : systems_) s.allocations_this_frame = s.refused_this_frame = 0;
  }

 private:
  struct System {
    bool implicit = false;  // created for a child; its own registration completes it
    bool has_allocator = false;
    std::string kind;
    fm::Budget budget = {};
    std::size_t bytes = 0;
    unsigned over = 0;      // bit 0: soft, 1: hard, 2: per-frame, at the last frame
    std::uint64_t overruns = 0;
    std::uint64_t allocations_this_frame = 0;
    std::uint64_t refused = 0;
    std::uint64_t refused_this_frame = 0;
  };

  static std::string parent_of(const std::string& name) {
    const auto slash = name.rfind('/');
    return slash == std::string::npos ? std::string{} : name.substr(0, slash);
  }

  // Names from a small vocabulary so that parents, children and duplicates meet; now and then a bad one.
  std::string pick_name() {
    constexpr const char* bad[] = {"", "/a", "a/", "a//b", "twelve_bytes"};
    if (src_.chance(8)) return bad[src_.below(5)];
    std::string name;
    const unsigned depth = 1 + src_.below(3);
    for (unsigned i = 0; i < depth; ++i) {
      if (i != 0) name += '/';
      name += static_cast<char>('a' + src_.below(3));
    }
    return name;
  }

  [[nodiscard]] static bool well_formed(const std::string& name) {
    if (name.empty() || name.front() == '/' || name.back() == '/' || name.find("//") != std::string::npos) return false;
    return name.size() <= 11;
  }

  // What the registry must say to registering `name`: empty when it accepts.
  [[nodiscard]] std::string verdict(const std::string& name) const {
    if (!well_formed(name)) return "bad name";
    const auto it = systems_.find(name);
    if (it != systems_.end() && !it->second.implicit) return "duplicate";
    std::size_t missing = it == systems_.end() ? 1 : 0;
    for (std::string p = parent_of(name); missing != 0 && !p.empty() && !systems_.contains(p); p = parent_of(p)) {
      ++missing;
    }
    if (systems_.size() + missing > 12) return "full";
    return {};
  }

  void add() {
    const std::string name = pick_name();
    const unsigned what = src_.below(10);
    const bool scope = what < 4;
    const bool pool = what >= 8;
    fm::Budget budget;
    if (src_.chance(50)) budget.soft = 1 + src_.below(4000);
    if (src_.chance(25)) budget.hard = 1 + src_.below(4000);
    if (src_.chance(20)) budget.per_frame_allocations = src_.below(4);
    if (budget.per_frame_allocations && src_.chance(30)) budget.per_frame_check = fm::FrameBudgetCheck::fail;
    std::string why = verdict(name);
    if (why.empty() && pool && pool_order_count() == 2) why = "pools full";
    const std::size_t before = ms_.system_count();
    bool threw = false;
    try {
      if (scope) {
        ms_.add_scope(name, budget);
      } else if (pool) {
        ms_.add_pool(name, pool_for(name), budget);
        observer_.add_pool("o" + std::to_string(observed_.size()), pool_for(name));
        observed_.push_back(name);
      } else {
        ms_.add_system(name, allocator_for(name), "heap", budget);
      }
    } catch (const fm::error&) {
      threw = true;
    }
    expect(threw == !why.empty(), "registering '" + name + "': expected " + (why.empty() ? "success" : why));
    if (threw) {
      expect(ms_.system_count() == before, "a rejected registration of '" + name + "' changed the registry");
      return;
    }
    register_parents(parent_of(name));
    System& s = systems_[name];
    if (!s.implicit) created_.push_back(name);
    s.implicit = false;
    s.has_allocator = !scope;
    s.kind = scope ? "scope" : pool ? "pool" : "heap";
    s.budget = budget;
  }

  [[nodiscard]] std::size_t pool_order_count() const {
    return static_cast<std::size_t>(std::count_if(systems_.begin(), systems_.end(),
                                                  [](const auto& s) { return s.second.kind == "pool"; }));
  }

  // Pools of two geometries: 16-byte blocks, 14 to a page (a page's 64ths hold 0 or 1 block), and 64-byte
  // blocks filling 4 KiB (63 to a page).
  fm::Pool& pool_for(const std::string& name) {
    auto& pool = pools_[name];
    if (!pool) {
      pool = src_.chance(70) ? std::make_unique<fm::Pool>(16, 16, fm::PoolOptions{.blocks_per_page = 8, .name = "m"})
                             : std::make_unique<fm::Pool>(64, 16, fm::PoolOptions{.name = "m"});
    }
    return *pool;
  }

  // The name of a registered system of this kind ("pool", "heap"), picked at random; none when there is none.
  std::optional<std::string> random_system_of_kind(std::string_view kind) {
    std::vector<std::string> names;
    for (const auto& [name, s] : systems_) {
      if (s.kind == kind) names.push_back(name);
    }
    if (names.empty()) return std::nullopt;
    return names[src_.below(static_cast<std::uint32_t>(names.size()))];
  }

  // A burst of allocations or frees in one registered pool, or giving its empty pages back.
  void use_pool() {
    const std::optional<std::string> picked = random_system_of_kind("pool");
    if (!picked) return;
    const std::string& name = *picked;
    fm::Pool& pool = *pools_.at(name);
    auto& live = pool_blocks_[name];
    const unsigned op = src_.below(10);
    if (op == 0) {
      (void)pool.release_empty_pages();
      return;
    }
    if (op == 1) return observe();
    const std::size_t burst = 1 + src_.below(70);
    for (std::size_t i = 0; i < burst; ++i) {
      if (op < 5 && !live.empty()) {
        const std::size_t k = src_.below(static_cast<std::uint32_t>(live.size()));
        pool.deallocate(live[k], pool.block_size());
        live[k] = live.back();
        live.pop_back();
      } else if (op >= 5) {
        void* p = src_.chance(70) ? pool.allocate(pool.block_size())
                                  : allocate_through_system(name, pool.block_size(), 1, pool.block_size());
        if (p == nullptr) break;
        live.push_back(p);
        ++systems_.at(name).allocations_this_frame;
        systems_.at(name).bytes = live.size() * pool.block_size();
      }
    }
    systems_.at(name).bytes = live.size() * pool.block_size();
  }

  void register_parents(const std::string& parent) {
    if (parent.empty() || systems_.contains(parent)) return;
    register_parents(parent_of(parent));
    systems_[parent] = System{.implicit = true, .kind = "scope"};
    created_.push_back(parent);
  }

  // One allocator per name ever offered, kept for the run (the registry refers to it once registered).
  fm::NewAllocator& allocator_for(const std::string& name) { return allocators_[name]; }

  void allocate_or_free() {
    const std::optional<std::string> picked = random_system_of_kind("heap");
    if (!picked) return;
    const std::string& name = *picked;
    auto& blocks = blocks_[name];
    if (!blocks.empty() && src_.chance(40)) {
      const std::size_t i = src_.below(static_cast<std::uint32_t>(blocks.size()));
      allocators_.at(name).deallocate(blocks[i].first, blocks[i].second);
      systems_[name].bytes -= blocks[i].second;
      blocks.erase(blocks.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
    const std::size_t size = 1 + src_.below(1500);
    void* p = src_.chance(50) ? allocators_.at(name).allocate(size)
                              : allocate_through_system(name, size, alignof(std::max_align_t), size);
    if (p == nullptr) return;
    blocks.emplace_back(p, size);
    systems_[name].bytes += size;
    ++systems_[name].allocations_this_frame;
  }

  // The system or enclosing scope whose hard budget a request charged `charge` bytes would pass, or "".
  [[nodiscard]] std::string refusing_budget(const std::string& name, std::size_t charge) const {
    for (std::string k = name; !k.empty(); k = parent_of(k)) {
      const std::size_t hard = systems_.at(k).budget.hard;
      if (hard != 0 && total(k) + charge > hard) return k;
    }
    return {};
  }

  // Allocates `size` bytes aligned to `align` (what the free will say) through MemorySystem::system(name),
  // with the throwing or the try_ form; null when a hard budget refused it, as the model says it must.
  void* allocate_through_system(const std::string& name, std::size_t size, std::size_t align, std::size_t charge) {
    const std::string refuser = refusing_budget(name, charge);
    void* p = nullptr;
    std::string error;
    if (src_.chance(50)) {
      p = ms_.system(name).try_allocate(size, align);
    } else {
      try {
        p = ms_.system(name).allocate(size, align);
      } catch (const fm::out_of_memory& e) {
        error = e.what();
        expect(e.allocator() == name, "a refusal names the allocating system '" + name + "'");
      }
    }
    expect((p == nullptr) == !refuser.empty(), "allocating " + std::to_string(size) + " bytes through '" + name +
                                                   "': expected " + (refuser.empty() ? "success" : "a refusal"));
    if (!error.empty()) {
      expect(error.find("hard budget of system '" + refuser + "'") != std::string::npos,
             "the refusal names the budget of '" + refuser + "': " + error);
    }
    if (!refuser.empty()) {
      ++systems_.at(refuser).refused;
      ++systems_.at(refuser).refused_this_frame;
    }
    return p;
  }

  // Hierarchy order: each system, then its children in the order they were created.
  void preorder(const std::string& parent, std::vector<std::string>& out) const {
    for (const std::string& name : created_) {
      if (parent_of(name) == parent && name != parent) {
        out.push_back(name);
        preorder(name, out);
      }
    }
  }

  [[nodiscard]] std::size_t total(const std::string& name) const {
    std::size_t sum = systems_.at(name).bytes;
    for (const auto& [other, s] : systems_) {
      if (other.size() > name.size() && other.starts_with(name + "/")) sum += s.bytes;
    }
    return sum;
  }

  [[nodiscard]] std::uint64_t total_allocations(const std::string& name) const {
    std::uint64_t sum = systems_.at(name).allocations_this_frame;
    for (const auto& [other, s] : systems_) {
      if (other.size() > name.size() && other.starts_with(name + "/")) sum += s.allocations_this_frame;
    }
    return sum;
  }

  // Checks every row; returns the first system (in hierarchy order) whose per-frame check must fail the frame.
  std::string check_snapshot() {
    std::string failing;
    std::vector<std::string> order;
    preorder("", order);
    const fm::Snapshot& snap = ms_.latest();
    expect(snap.systems.size() == order.size(), "snapshot row count");
    for (std::size_t i = 0; i < order.size(); ++i) {
      const std::string& name = order[i];
      System& m = systems_.at(name);
      const fm::SystemSnapshot& row = snap.systems[i];
      const std::string where = "row " + std::to_string(i) + " ('" + name + "'): ";
      expect(row.name.view() == name, where + "name '" + std::string(row.name.view()) + "'");
      expect(row.kind.view() == m.kind, where + "kind");
      expect(row.has_allocator == m.has_allocator, where + "has_allocator");
      expect(row.depth == static_cast<std::uint32_t>(std::count(name.begin(), name.end(), '/')), where + "depth");
      const std::string parent = parent_of(name);
      expect(parent.empty() ? row.parent == -1
                            : row.parent >= 0 && static_cast<std::size_t>(row.parent) < i &&
                                  snap.systems[static_cast<std::size_t>(row.parent)].name.view() == parent,
             where + "parent");
      if (name != "frame") expect(row.bytes_used == m.bytes, where + "own bytes");
      if (name != "frame") expect(row.total_bytes_used == total(name), where + "rolled-up bytes");
      expect(row.budget == m.budget.soft, where + "budget");
      expect(row.hard_budget == m.budget.hard, where + "hard budget");
      expect(row.frame_allocation_budget == m.budget.per_frame_allocations, where + "per-frame budget");
      const std::uint64_t allocations = total_allocations(name);
      expect(row.total_allocations_this_frame == allocations, where + "rolled-up allocations this frame");
      expect(row.allocations_refused == m.refused && row.allocations_refused_this_frame == m.refused_this_frame,
             where + "allocations refused");
      const bool over_soft = m.budget.soft != 0 && row.total_bytes_used > m.budget.soft;
      const bool over_hard = m.refused_this_frame != 0 || (m.budget.hard != 0 && row.total_bytes_used > m.budget.hard);
      const bool over_frame = m.budget.per_frame_allocations && allocations > *m.budget.per_frame_allocations;
      const bool over = over_soft || over_hard || over_frame;
      const unsigned mask = (over_soft ? 1u : 0u) | (over_hard ? 2u : 0u) | (over_frame ? 4u : 0u);
      if ((mask & ~m.over) != 0) ++m.overruns;
      m.over = mask;
      if (over_frame && m.budget.per_frame_check == fm::FrameBudgetCheck::fail && failing.empty()) failing = name;
      expect(row.over_soft_budget == over_soft && row.over_hard_budget == over_hard &&
                 row.over_frame_budget == over_frame,
             where + "which budgets were kept");
      expect(row.over_budget == over, where + "over_budget");
      expect(row.budget_overruns == m.overruns, where + "budget_overruns");
      const fm::SystemRow view = fm::system_row(snap, i);
      expect(view.figures.total_bytes_used == row.total_bytes_used && view.figures.over_budget == over && view.indent == row.depth,
             where + "view row");
      expect(view.figures.budget == 0 || view.budget_use == static_cast<double>(view.figures.total_bytes_used) / static_cast<double>(view.figures.budget),
             where + "budget use");
    }
    check_pools(snap, order);
    return failing;
  }

  // Page rows as the model sees them: every page of the pool in address order, live blocks and live summary
  // counted from the model's own list of live blocks.
  struct PageRow {
    std::uint64_t address;
    std::uint32_t live;
    std::uint32_t blocks;
    std::uint64_t summary;
    bool operator==(const PageRow&) const = default;
  };

  [[nodiscard]] std::vector<PageRow> expected_pages(const std::string& name, const std::vector<void*>& live) const {
    const fm::Pool& pool = *pools_.at(name);
    std::vector<PageRow> rows;
    for (std::size_t i = 0; i < pool.page_count(); ++i) {
      const fm::PageInfo info = pool.page_info(i);
      PageRow row{reinterpret_cast<std::uint64_t>(info.page), 0, static_cast<std::uint32_t>(info.blocks), 0};
      for (void* p : live) {
        const auto* b = static_cast<const std::byte*>(p);
        if (b < info.page || b >= info.page + pool.page_bytes()) continue;
        const auto block = static_cast<std::size_t>(b - info.first_block) / info.stride;
        ++row.live;
        row.summary |= std::uint64_t{1} << (block * 64 / info.blocks);
      }
      rows.push_back(row);
    }
    return rows;
  }

  void check_pools(const fm::Snapshot& snap, const std::vector<std::string>& order) {
    std::size_t room = 6;  // max_pages, shared by the pools in hierarchy order
    std::size_t next_pool = 0;
    previous_pages_ = std::move(latest_pages_);
    latest_pages_.clear();
    for (std::size_t i = 0; i < order.size(); ++i) {
      const fm::SystemSnapshot& row = snap.systems[i];
      const std::string where = "pool '" + order[i] + "': ";
      if (systems_.at(order[i]).kind != "pool") {
        expect(row.pool == -1, where + "a system that is no pool has a pool row");
        continue;
      }
      expect(row.pool == static_cast<std::int32_t>(next_pool) && next_pool < snap.pools.size(), where + "pool index");
      const fm::PoolSnapshot& p = snap.pools[next_pool++];
      expect(p.system == i, where + "system index");
      const std::vector<void*>& live = pool_blocks_[order[i]];
      const std::vector<PageRow> pages = expected_pages(order[i], live);
      const std::size_t shown = std::min(pages.size(), room);
      room -= shown;
      expect(p.live_blocks == live.size(), where + "live blocks");
      expect(p.committed_pages == pages.size(), where + "committed pages");
      expect(p.pages.size() == shown && p.pages_truncated == (shown < pages.size()), where + "page rows shown");
      std::vector<PageRow> got;
      for (const fm::PageSnapshot& page : p.pages) {
        got.push_back({page.address, page.live_blocks, page.blocks, page.live_summary});
      }
      expect(std::equal(got.begin(), got.end(), pages.begin()), where + "page rows");
      latest_pages_[order[i]] = got;
    }
    expect(next_pool == snap.pools.size(), "pool row count");
  }

  // A second memory system over the same pools takes a frame: it reads each pool's change log from its own
  // position and starts a new round of it, which the main one's next frame must not miss. Its own page rows
  // must be right too.
  void observe() {
    observer_.begin_frame();
    observer_.end_frame();
    const fm::Snapshot& snap = observer_.latest();
    std::size_t room = observer_pages;
    expect(snap.pools.size() == observed_.size(), "observer: pool row count");
    for (std::size_t i = 0; i < observed_.size(); ++i) {
      const std::vector<PageRow> pages = expected_pages(observed_[i], pool_blocks_[observed_[i]]);
      const std::size_t shown = std::min(pages.size(), room);
      room -= shown;
      const auto& rows = snap.pools[i].pages;
      expect(rows.size() == shown, "observer: page rows shown of '" + observed_[i] + "'");
      for (std::size_t k = 0; k < rows.size(); ++k) {
        const PageRow got{rows[k].address, rows[k].live_blocks, rows[k].blocks, rows[k].live_summary};
        expect(got == pages[k], "observer: page row " + std::to_string(k) + " of '" + observed_[i] + "'");
      }
    }
  }

  // The snapshot before the latest one still shows what it showed when it was taken.
  void check_earlier_pages() {
    if (ms_.history_size() < 2 || previous_pages_.empty()) return;
    const fm::Snapshot& earlier = ms_.history(1);
    for (const fm::SystemSnapshot& row : earlier.systems) {
      const auto it = previous_pages_.find(std::string(row.name.view()));
      if (row.pool < 0 || it == previous_pages_.end()) continue;
      const auto& pages = earlier.pools[static_cast<std::size_t>(row.pool)].pages;
      expect(pages.size() == it->second.size(), "earlier snapshot: page row count of '" + it->first + "'");
      for (std::size_t k = 0; k < pages.size(); ++k) {
        const PageRow got{pages[k].address, pages[k].live_blocks, pages[k].blocks, pages[k].live_summary};
        expect(got == it->second[k], "earlier snapshot: page row " + std::to_string(k) + " of '" + it->first + "'");
      }
    }
  }

  Source& src_;
  static constexpr std::size_t observer_pages = 8;
  std::map<std::string, std::unique_ptr<fm::Pool>> pools_;  // before ms_: registered pools outlive it
  fm::MemorySystem ms_;
  fm::MemorySystem observer_{{.history = 2, .max_systems = 4, .max_pools = 2, .max_pages = observer_pages}};
  std::vector<std::string> observed_;  // the pools registered with observer_, in order
  std::map<std::string, System> systems_;
  std::vector<std::string> created_;  // names in the order the registry created them
  std::map<std::string, fm::NewAllocator> allocators_;
  std::map<std::string, std::vector<std::pair<void*, std::size_t>>> blocks_;
  std::map<std::string, std::vector<void*>> pool_blocks_;
  std::map<std::string, std::vector<PageRow>> latest_pages_;    // page rows of each pool, latest frame
  std::map<std::string, std::vector<PageRow>> previous_pages_;  // the same, one frame earlier
};

inline void run_memory_system(Source& src, std::size_t steps) {
  MemorySystemModel model(src);
  for (std::size_t step = 0; step < steps && !src.done(); ++step) model.step();
  model.end_frame();
}

}  // namespace fm::model
