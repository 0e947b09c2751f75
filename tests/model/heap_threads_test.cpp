// Threaded model test of fm::Heap (also run under ThreadSanitizer): a few threads, each with its own model
// of the blocks it holds, handing blocks to each other through a queue so that many frees happen on
// another thread than the allocation. Small enough for two cores. At the end, while every thread is still
// alive and idle, each tries to free again blocks that the others freed: refused, nothing changes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "model/barrier.hpp"
#include "model/driver.hpp"
#include "model/heap_model.hpp"

namespace {

using fm::model::expect;

struct Parcel {
  void* p;
  fm::model::HeapBlock block;
};

// Every block any thread holds, so the same bytes handed to two threads are caught.
class SharedLive {
 public:
  void add(void* p, std::size_t usable) {
    const auto at = reinterpret_cast<std::uintptr_t>(p);
    std::lock_guard lock(mutex_);
    auto next = blocks_.lower_bound(at);
    expect(next == blocks_.end() || at + usable <= next->first, "new block overlaps a block another thread holds");
    expect(next == blocks_.begin() || std::prev(next)->first + std::prev(next)->second <= at,
           "new block overlaps a block another thread holds");
    blocks_[at] = usable;
  }
  void remove(void* p) {
    std::lock_guard lock(mutex_);
    blocks_.erase(reinterpret_cast<std::uintptr_t>(p));
  }
  // Whether a block someone holds (or the padding before its aligned start) contains `p`.
  bool near(const void* p, std::size_t max_align) {
    std::lock_guard lock(mutex_);
    return std::any_of(blocks_.begin(), blocks_.end(), [&](const auto& held) {
      return fm::model::within_reach(p, held.first, max_align, held.second);
    });
  }

 private:
  std::mutex mutex_;
  std::map<std::uintptr_t, std::size_t> blocks_;
};

class HandOff {
 public:
  void push(const Parcel& parcel) {
    std::lock_guard lock(mutex_);
    parcels_.push_back(parcel);
  }
  bool try_pop(Parcel& out) {
    std::lock_guard lock(mutex_);
    if (parcels_.empty()) return false;
    out = parcels_.front();
    parcels_.pop_front();
    return true;
  }

 private:
  std::mutex mutex_;
  std::deque<Parcel> parcels_;
};

// Blocks the threads freed last, each with the thread that freed it.
class FreedBlocks {
 public:
  void add(const Parcel& parcel, int by) {
    std::lock_guard lock(mutex_);
    freed_.push_back({parcel, by});
  }
  [[nodiscard]] std::vector<std::pair<Parcel, int>> all() {
    std::lock_guard lock(mutex_);
    return freed_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<Parcel, int>> freed_;
};

inline constexpr std::size_t max_thread_align = 4096;

struct Shared {
  fm::Heap heap{"threads"};
  SharedLive live;
  HandOff queue;
  FreedBlocks freed;
};

// Checks a block's bytes survived, then frees it through the interface that allocated it.
void give_back(Shared& s, const Parcel& parcel) {
  const fm::model::HeapBlock& b = parcel.block;
  expect(fm::model::pattern_intact(parcel.p, b.size, b.id), "contents of a live block changed");
  s.live.remove(parcel.p);
  if (b.sized) {
    s.heap.deallocate(parcel.p, b.size, b.align);
  } else {
    s.heap.free(parcel.p);
  }
}

class Worker {
 public:
  Worker(Shared& shared, std::uint64_t seed, int id)
      : s_(shared), src_(fm::model::Source::from_seed(seed)), id_(id), next_id_(static_cast<std::uint32_t>(id) << 24) {}

  void run(std::size_t steps) {
    for (std::size_t step = 0; step < steps; ++step) {
      const std::uint32_t pick = src_.below(100);
      if (pick < 40 && mine_.size() < 32) {
        allocate();
      } else if (pick < 65 && !mine_.empty()) {
        give_back(s_, take_mine());
      } else if (pick < 85 && !mine_.empty()) {
        s_.queue.push(take_mine());
      } else if (Parcel parcel{}; s_.queue.try_pop(parcel)) {
        give_back(s_, parcel);  // most likely allocated by another thread
      }
    }
    // The last blocks this thread frees sit in its cache (or in batches it parked) for the double frees.
    while (!mine_.empty()) {
      const Parcel parcel = take_mine();
      give_back(s_, parcel);
      s_.freed.add(parcel, id_);
    }
  }

  // Runs while every thread is alive and none allocates or frees: each block another thread freed (or this
  // one, now and then), not inside a block someone holds again, is refused, and the statistics stay put.
  void refuse_double_frees() {
    for (const auto& [parcel, by] : s_.freed.all()) {
      if ((by == id_ && !src_.chance(25)) || s_.live.near(parcel.p, max_thread_align)) continue;
      const fm::HeapStats before = s_.heap.heap_stats();
      const fm::model::HeapBlock& b = parcel.block;
      std::string checked;
      try {
        s_.heap.check_free(parcel.p, b.size, b.align);
      } catch (const fm::bad_free& e) {
        checked = e.what();
      }
      expect(checked.find("heap 'threads'") != std::string::npos,
             "check_free of a block thread " + std::to_string(by) + " freed: '" + checked + "'");
#if FM_CHECKED
      std::string refused;
      try {
        s_.heap.deallocate(parcel.p, b.size, b.align);
      } catch (const fm::bad_free& e) {
        refused = e.what();
      }
      expect(refused == checked, "deallocate of a freed block said '" + refused + "', check_free '" + checked + "'");
#endif
      const fm::HeapStats after = s_.heap.heap_stats();
      expect(after.allocations == before.allocations && after.deallocations == before.deallocations &&
                 after.requested == before.requested,
             "a refused double free changed the statistics");
    }
  }

  [[nodiscard]] std::uint64_t allocations() const noexcept { return allocations_; }

 private:
  void allocate() {
    // Mostly small blocks of every class, now and then a large one (mapped directly).
    const std::size_t size = src_.chance(3) ? fm::heap::max_small_size + src_.below(1u << 20)
                                            : src_.below(1u << (1 + src_.below(14)));
    const bool sized = src_.chance(50);
    std::size_t align = src_.align();
    if (!fm::is_pow2(align) || align > 4096) align = alignof(std::max_align_t);
    void* p = sized ? s_.heap.allocate(size, align) : s_.heap.aligned_malloc(size, align);
    expect(p != nullptr, "allocation of " + std::to_string(size) + " bytes failed");
    expect(fm::is_aligned(p, align), "block not aligned to " + std::to_string(align));
    const std::size_t usable = s_.heap.usable_size(p);
    expect(usable >= size, "usable_size below the size");
    s_.live.add(p, usable);
    const fm::model::HeapBlock block{size, align, sized, size, next_id_++};
    fm::model::write_pattern(p, size, block.id);
    mine_.push_back({p, block});
    ++allocations_;
  }

  Parcel take_mine() {
    const std::size_t i = src_.below(static_cast<std::uint32_t>(mine_.size()));
    const Parcel parcel = mine_[i];
    mine_[i] = mine_.back();
    mine_.pop_back();
    return parcel;
  }

  Shared& s_;
  fm::model::Source src_;
  int id_;
  std::uint32_t next_id_;
  std::vector<Parcel> mine_;
  std::uint64_t allocations_ = 0;
};

void run_heap_threads(fm::model::Source& src, std::size_t steps) {
  constexpr int threads = 3;
  Shared shared;
  std::vector<Worker> workers;
  for (int t = 0; t < threads; ++t) workers.emplace_back(shared, (std::uint64_t{src.u32()} << 32) | src.u32(), t);
  std::vector<std::exception_ptr> failures(threads);
  std::vector<std::thread> running;
  fm::model::Barrier phase(threads);
  // A failure is kept, not thrown, so its thread still meets the others at both barriers.
  auto attempt = [&](int t, auto&& part) {
    if (failures[static_cast<std::size_t>(t)]) return;
    try {
      part(workers[static_cast<std::size_t>(t)]);
    } catch (...) {
      failures[static_cast<std::size_t>(t)] = std::current_exception();
    }
  };
  for (int t = 0; t < threads; ++t) {
    running.emplace_back([&, t] {
      attempt(t, [&](Worker& w) { w.run(steps); });
      phase.arrive_and_wait();  // every thread done allocating and freeing, and still alive
      attempt(t, [](Worker& w) { w.refuse_double_frees(); });
      phase.arrive_and_wait();  // nobody exits (parking its cache) while others still look into it
    });
  }
  for (auto& t : running) t.join();
  for (const auto& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
  // Parcels nobody picked up: freed here, by yet another thread.
  std::uint64_t allocations = 0;
  for (const Worker& w : workers) allocations += w.allocations();
  for (Parcel parcel{}; shared.queue.try_pop(parcel);) give_back(shared, parcel);
  const fm::HeapStats st = shared.heap.heap_stats();
  expect(st.allocations == allocations, "allocations " + std::to_string(st.allocations) + ", threads made " +
                                            std::to_string(allocations));
  expect(st.deallocations == allocations, "deallocations " + std::to_string(st.deallocations) + " of " +
                                              std::to_string(allocations) + " blocks, all freed");
  expect(st.allocated == 0 && st.requested == 0, "bytes still counted after every block was freed");
  expect(st.thread_caches <= 1, "caches of exited threads still counted as live");
}

}  // namespace

TEST_CASE("heap agrees with per-thread models while threads free each other's blocks") {
  fm::model::run_seeds("heap threads", 8, 4000,
                       [](fm::model::Source& src, std::size_t steps) { run_heap_threads(src, steps); });
}
