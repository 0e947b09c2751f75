// What-if per system: the profile of each system measured from the trace, then its events alone, in
// stamp order on one thread, replayed onto malloc and every fm strategy the profile admits, each block
// written and verified, the fastest fitting one recommended with the replayed numbers.
#include "what_if.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <ranges>
#include <string>

#include "fm/alloc/frame_arena.hpp"
#include "fm/alloc/pool.hpp"
#include "fm/alloc/stack_allocator.hpp"
#include "fm/heap/heap.hpp"
#include "pattern.hpp"
#include "replay.hpp"

namespace fm::replay {

namespace {

// One step of a system's replay: make or end a block, or a frame boundary (every system sees those).
struct SystemStep {
  enum Kind : std::uint8_t { make, end, frame } kind;
  std::uint64_t block;
  std::uint64_t event;
};

std::vector<std::uint64_t> stamp_order(const trace::Trace& t) {
  std::vector<std::uint64_t> order(t.events.size());
  for (std::uint64_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return t.events[a].stamp < t.events[b].stamp; });
  return order;
}

std::vector<std::vector<SystemStep>> steps_by_system(const trace::Trace& t) {
  std::vector<std::vector<SystemStep>> steps(t.systems.size());
  for (const std::uint64_t i : stamp_order(t)) {
    if (t.events[i].op == trace::Op::frame_begin) {
      for (auto& s : steps) s.push_back({SystemStep::frame, 0, i});
    }
    for (const auto b : t.ends(i)) steps[t.blocks[b].system].push_back({SystemStep::end, b, i});
    if (const auto b = t.created[i]; b != trace::no_block) steps[t.blocks[b].system].push_back({SystemStep::make, b, i});
  }
  return steps;
}

// The malloc of this process in the allocator model, as the baseline.
struct Malloc {
  void* allocate(std::size_t size, std::size_t align) {
    void* p = nullptr;
    if (align <= alignof(std::max_align_t)) {
      p = std::malloc(size);
    } else if (::posix_memalign(&p, align, size) != 0) {
      p = nullptr;
    }
    if (!p && size != 0) throw out_of_memory("malloc", size, align, 0, "malloc returned null");
    return p;
  }
  void deallocate(void* p, std::size_t, std::size_t) noexcept { std::free(p); }
};

template <class A>
std::uint64_t reserved(const A& a) {
  if constexpr (StatsAllocator<A>) return a.stats().bytes_reserved;
  return 0;
}

// Replays one system's steps onto `a`; returns the time and the largest reserve sampled at frames.
template <class A>
std::pair<std::uint64_t, std::uint64_t> replay_onto(A& a, const std::string& strategy, const trace::Trace& t,
                                                    const std::vector<SystemStep>& steps, std::vector<void*>& ptrs,
                                                    std::uint64_t& verified) {
  std::uint64_t peak = 0;
  const auto start = std::chrono::steady_clock::now();
  for (const SystemStep& s : steps) {
    const trace::Block* b = s.kind == SystemStep::frame ? nullptr : &t.blocks[s.block];
    switch (s.kind) {
      case SystemStep::make:
        ptrs[s.block] = a.allocate(b->size, b->align);
        fill(ptrs[s.block], b->size, pattern_of(s.block));
        break;
      case SystemStep::end:
        if (const auto at = first_mismatch(ptrs[s.block], b->size, pattern_of(s.block)); at != b->size) {
          std::fprintf(stderr, "framemem-replay: what-if '%s' on system '%s' corrupted block %llu at byte %llu; found at event %llu\n",
                       strategy.c_str(), t.systems[b->system].c_str(), static_cast<unsigned long long>(s.block),
                       static_cast<unsigned long long>(at), static_cast<unsigned long long>(s.event + 1));
          std::exit(exit_corrupted);
        }
        a.deallocate(ptrs[s.block], b->size, b->align);
        ++verified;
        break;
      case SystemStep::frame:
        if constexpr (requires { a.next_frame(); }) a.next_frame();
        peak = std::max(peak, reserved(a));
        break;
    }
  }
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
  peak = std::max(peak, reserved(a));
  // Blocks the trace leaves live are checked and given back outside the clock, newest first, as a stack
  // needs and every other strategy accepts.
  for (const SystemStep& s : std::views::reverse(steps)) {
    if (s.kind == SystemStep::make && t.blocks[s.block].ended_by == trace::no_block) {
      const trace::Block& b = t.blocks[s.block];
      if (first_mismatch(ptrs[s.block], b.size, pattern_of(s.block)) == b.size) ++verified;
      a.deallocate(ptrs[s.block], b.size, b.align);
    }
  }
  return {static_cast<std::uint64_t>(ns), peak};
}

std::string percent(std::uint64_t part, std::uint64_t whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f%%", whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0);
  return buf;
}

std::string recommend(const WhatIf& w) {
  const SystemProfile& p = w.profile;
  const auto best = std::min_element(w.runs.begin(), w.runs.end(),
                                     [](const auto& a, const auto& b) { return a.median_ns < b.median_ns; });
  const StrategyRun& base = w.runs.front();
  std::string why = p.name + ": " + percent(p.short_lived, p.blocks) + " of blocks live < 2 frames, " +
                    percent(p.lifo_ends, p.ended) + " of frees LIFO, " +
                    (p.one_size ? "one size (" + std::to_string(p.size) + " bytes)" : std::string("sizes vary")) + ", " +
                    std::to_string(p.threads) + (p.threads == 1 ? " thread" : " threads") + "; ";
  char numbers[160];
  if (best == w.runs.begin() || best->median_ns == 0) {
    std::snprintf(numbers, sizeof numbers, "malloc replays fastest (%.3f ms); keep it", static_cast<double>(base.median_ns) / 1e6);
  } else {
    std::snprintf(numbers, sizeof numbers, "%s replays %.1fx faster than malloc (%.3f ms vs %.3f ms)",
                  best->strategy.c_str(), static_cast<double>(base.median_ns) / static_cast<double>(best->median_ns),
                  static_cast<double>(best->median_ns) / 1e6, static_cast<double>(base.median_ns) / 1e6);
  }
  return why + numbers;
}

}  // namespace

std::vector<SystemProfile> profile_systems(const trace::Trace& t) {
  std::vector<SystemProfile> profiles(t.systems.size());
  std::vector<std::vector<bool>> seen_on(t.systems.size(), std::vector<bool>(t.threads.size(), false));
  std::vector<std::vector<std::uint64_t>> live(t.systems.size());  // creation order
  std::vector<std::uint64_t> footprint(t.systems.size(), 0);
  std::vector<std::uint64_t> made_in(t.blocks.size(), 0);
  std::uint64_t frame = 0;
  for (std::size_t s = 0; s < t.systems.size(); ++s) profiles[s].name = t.systems[s];
  for (const std::uint64_t i : stamp_order(t)) {
    const trace::Event& e = t.events[i];
    if (e.op == trace::Op::frame_begin) {
      ++frame;
      for (auto& p : profiles) p.frames = true;
    }
    for (const auto b : t.ends(i)) {
      const trace::Block& block = t.blocks[b];
      SystemProfile& p = profiles[block.system];
      auto& l = live[block.system];
      ++p.ended;
      if (frame - made_in[b] <= 1) ++p.short_lived;
      if (!l.empty() && l.back() == b) ++p.lifo_ends;
      l.erase(std::find(l.begin(), l.end(), b));
      footprint[block.system] -= block.size + block.align;
    }
    if (const auto b = t.created[i]; b != trace::no_block) {
      const trace::Block& block = t.blocks[b];
      SystemProfile& p = profiles[block.system];
      if (p.blocks == 0) p.size = block.size;
      p.one_size = p.one_size && block.size == p.size;
      p.max_align = std::max(p.max_align, block.align);
      ++p.blocks;
      made_in[b] = frame;
      live[block.system].push_back(b);
      footprint[block.system] += block.size + block.align;
      p.peak_footprint = std::max(p.peak_footprint, footprint[block.system]);
      seen_on[block.system][e.thread] = true;
    }
    if (e.op == trace::Op::free || e.op == trace::Op::realloc) {
      for (const auto b : t.ends(i)) seen_on[t.blocks[b].system][e.thread] = true;
    }
  }
  for (std::size_t s = 0; s < profiles.size(); ++s) {
    profiles[s].threads = static_cast<std::uint64_t>(std::count(seen_on[s].begin(), seen_on[s].end(), true));
    // A block still live when the trace ends, made in its last frame or the one before, has not lived
    // longer than a frame arena's buffer keeps it: the recording stopped before its buffer came round.
    for (const std::uint64_t b : live[s]) {
      if (frame - made_in[b] <= 1) ++profiles[s].short_lived;
    }
  }
  return profiles;
}

std::vector<WhatIf> what_if(const trace::Trace& t, unsigned rounds) {
  const auto profiles = profile_systems(t);
  const auto steps = steps_by_system(t);
  std::vector<void*> ptrs(t.blocks.size(), nullptr);
  std::vector<WhatIf> all;
  for (std::size_t s = 0; s < profiles.size(); ++s) {
    const SystemProfile& p = profiles[s];
    if (p.blocks == 0) continue;
    WhatIf w{p, {}, {}};
    const bool fm_align = p.max_align <= fm::max_alignment;
    const bool all_short = p.frames && p.short_lived == p.blocks;
    const bool lifo = p.lifo_ends == p.ended && p.threads == 1;
    const bool pool = p.one_size && p.size > 0 && p.threads == 1;
    using Runner = std::pair<std::uint64_t, std::uint64_t> (*)(const trace::Trace&, const std::vector<SystemStep>&,
                                                                std::vector<void*>&, std::uint64_t&, const SystemProfile&);
    std::vector<std::pair<std::string, Runner>> strategies{
        {"malloc", [](const trace::Trace& t, const auto& st, auto& ptrs, std::uint64_t& v, const SystemProfile&) {
           Malloc m;
           return replay_onto(m, "malloc", t, st, ptrs, v);
         }},
        {"Heap", [](const trace::Trace& t, const auto& st, auto& ptrs, std::uint64_t& v, const SystemProfile&) {
           fm::Heap h("what-if");
           return replay_onto(h, "Heap", t, st, ptrs, v);
         }}};
    if (all_short && fm_align) {
      strategies.push_back({"FrameArena", [](const trace::Trace& t, const auto& st, auto& ptrs, std::uint64_t& v,
                                             const SystemProfile&) {
                              fm::FrameArena a;
                              return replay_onto(a, "FrameArena", t, st, ptrs, v);
                            }});
    }
    if (lifo && fm_align) {
      strategies.push_back({"StackAllocator", [](const trace::Trace& t, const auto& st, auto& ptrs, std::uint64_t& v,
                                                 const SystemProfile& p) {
                              fm::StackAllocator a({.capacity = p.peak_footprint + 64});
                              return replay_onto(a, "StackAllocator", t, st, ptrs, v);
                            }});
    }
    if (pool && fm_align) {
      strategies.push_back({"Pool", [](const trace::Trace& t, const auto& st, auto& ptrs, std::uint64_t& v,
                                       const SystemProfile& p) {
                              fm::Pool a(p.size, p.max_align);
                              return replay_onto(a, "Pool", t, st, ptrs, v);
                            }});
    }
    std::vector<std::vector<std::uint64_t>> times(strategies.size());
    w.runs.resize(strategies.size());
    for (unsigned r = 0; r < rounds; ++r) {
      for (std::size_t k = 0; k < strategies.size(); ++k) {
        std::uint64_t verified = 0;
        const auto [ns, peak] = strategies[k].second(t, steps[s], ptrs, verified, p);
        times[k].push_back(ns);
        w.runs[k].strategy = strategies[k].first;
        w.runs[k].reserved_peak = std::max(w.runs[k].reserved_peak, peak);
        w.runs[k].verified = verified;
      }
    }
    for (std::size_t k = 0; k < strategies.size(); ++k) {
      std::sort(times[k].begin(), times[k].end());
      w.runs[k].median_ns = times[k][times[k].size() / 2];
    }
    w.recommendation = recommend(w);
    all.push_back(std::move(w));
  }
  return all;
}

void print_what_if(const std::vector<WhatIf>& all) {
  std::printf("what-if per system: each system's events alone, in stamp order on one thread, median of the rounds\n");
  std::printf("%-14s %-15s %12s %18s %10s\n", "system", "strategy", "time ms", "reserved peak KiB", "verified");
  for (const WhatIf& w : all) {
    for (const StrategyRun& r : w.runs) {
      std::printf("%-14s %-15s %12.3f %18.1f %10llu\n", w.profile.name.c_str(), r.strategy.c_str(),
                  static_cast<double>(r.median_ns) / 1e6, static_cast<double>(r.reserved_peak) / 1024.0,
                  static_cast<unsigned long long>(r.verified));
    }
  }
  for (const WhatIf& w : all) std::printf("recommendation: %s\n", w.recommendation.c_str());
}

}  // namespace fm::replay
