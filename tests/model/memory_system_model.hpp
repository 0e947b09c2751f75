// Reference model of fm::MemorySystem's registry and snapshots: registrations in any order (implicit
// parent scopes, later completed), bad names and full capacities, bytes per system, and after every frame
// the snapshot rows (hierarchy order, depth, parent, kind, own and rolled-up bytes, budgets and overruns)
// and the view rows the overlay draws. The model is a map of names; no code is shared with the registry.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "fm/core/allocator.hpp"
#include "fm/core/error.hpp"
#include "fm/system/memory_system.hpp"
#include "fm/system/view.hpp"
#include "model/source.hpp"

namespace fm::model {

class MemorySystemModel {
 public:
  explicit MemorySystemModel(Source& src)
      : src_(src), ms_({.history = 3, .max_systems = 12, .max_pools = 2, .max_name = 11}) {
    created_.push_back("frame");
    systems_["frame"] = {false, true, "frame arena", 0};
  }
  MemorySystemModel(const MemorySystemModel&) = delete;
  MemorySystemModel& operator=(const MemorySystemModel&) = delete;
  ~MemorySystemModel() {
    for (auto& [name, blocks] : blocks_) {
      for (auto [p, size] : blocks) allocators_.at(name).deallocate(p, size);
    }
  }

  void step() {
    const unsigned op = src_.below(10);
    if (op < 4) return add();
    if (op < 8) return allocate_or_free();
    end_frame();
  }

  void end_frame() {
    ms_.begin_frame();
    ms_.end_frame();
    check_snapshot();
  }

 private:
  struct System {
    bool implicit = false;  // created for a child; its own registration completes it
    bool has_allocator = false;
    std::string kind;
    std::size_t budget = 0;
    std::size_t bytes = 0;
    bool over = false;
    std::uint64_t overruns = 0;
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
    const bool scope = src_.chance(40);
    const std::size_t budget = src_.chance(50) ? 0 : 1 + src_.below(4000);
    const std::string why = verdict(name);
    const std::size_t before = ms_.system_count();
    bool threw = false;
    try {
      if (scope) {
        ms_.add_scope(name, budget);
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
    s = System{false, !scope, scope ? "scope" : "heap", budget, s.bytes, s.over, s.overruns};
  }

  void register_parents(const std::string& parent) {
    if (parent.empty() || systems_.contains(parent)) return;
    register_parents(parent_of(parent));
    systems_[parent] = System{true, false, "scope", 0, 0, false, 0};
    created_.push_back(parent);
  }

  // One allocator per name ever offered, kept for the run (the registry refers to it once registered).
  fm::NewAllocator& allocator_for(const std::string& name) { return allocators_[name]; }

  void allocate_or_free() {
    std::vector<std::string> owners;
    for (const auto& [name, s] : systems_) {
      if (s.has_allocator && name != "frame") owners.push_back(name);
    }
    if (owners.empty()) return;
    const std::string& name = owners[src_.below(static_cast<std::uint32_t>(owners.size()))];
    auto& blocks = blocks_[name];
    if (!blocks.empty() && src_.chance(40)) {
      const std::size_t i = src_.below(static_cast<std::uint32_t>(blocks.size()));
      allocators_.at(name).deallocate(blocks[i].first, blocks[i].second);
      systems_[name].bytes -= blocks[i].second;
      blocks.erase(blocks.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
    const std::size_t size = 1 + src_.below(1500);
    blocks.emplace_back(allocators_.at(name).allocate(size), size);
    systems_[name].bytes += size;
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

  void check_snapshot() {
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
      expect(row.budget == m.budget, where + "budget");
      const bool over = m.budget != 0 && row.total_bytes_used > m.budget;
      if (over && !m.over) ++m.overruns;
      m.over = over;
      expect(row.over_budget == over, where + "over_budget");
      expect(row.budget_overruns == m.overruns, where + "budget_overruns");
      const fm::SystemRow view = fm::system_row(snap, i);
      expect(view.used == row.total_bytes_used && view.over_budget == over && view.indent == row.depth,
             where + "view row");
      expect(view.budget == 0 || view.budget_use == static_cast<double>(view.used) / static_cast<double>(view.budget),
             where + "budget use");
    }
  }

  Source& src_;
  fm::MemorySystem ms_;
  std::map<std::string, System> systems_;
  std::vector<std::string> created_;  // names in the order the registry created them
  std::map<std::string, fm::NewAllocator> allocators_;
  std::map<std::string, std::vector<std::pair<void*, std::size_t>>> blocks_;
};

inline void run_memory_system(Source& src, std::size_t steps) {
  MemorySystemModel model(src);
  for (std::size_t step = 0; step < steps && !src.done(); ++step) model.step();
  model.end_frame();
}

}  // namespace fm::model
