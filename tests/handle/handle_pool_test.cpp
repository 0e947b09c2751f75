// Specification of fm/handle/handle_pool.hpp: stale handles, deferred destroy, slot reuse and retirement,
// compaction, allocator use, and a randomized run against a std::unordered_map model.
#include "fm/handle/handle_pool.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "handle/budget_allocator.hpp"

namespace {

struct Particle {
  static constexpr std::string_view handle_name = "particle";
  int value = 0;
};

// Counts destructor runs per logical object: a moved-from shell does not count, so compaction's
// relocations stay invisible and "destroyed exactly once" can be checked.
struct Tracked {
  static constexpr std::string_view handle_name = "tracked";
  Tracked(int id, std::map<int, int>& destroyed) : id(id), destroyed(&destroyed) {}
  Tracked(Tracked&& other) noexcept : id(other.id), destroyed(std::exchange(other.destroyed, nullptr)) {}
  Tracked(const Tracked&) = delete;
  Tracked& operator=(const Tracked&) = delete;
  Tracked& operator=(Tracked&&) = delete;
  ~Tracked() {
    if (destroyed) ++(*destroyed)[id];
  }
  int id;
  std::map<int, int>* destroyed;
};

}  // namespace

TEST_CASE("a stale handle resolves to null after destroy") {
  fm::HandlePool<Particle> pool;
  const auto a = pool.create(Particle{1});
  const auto b = pool.create(Particle{2});
  REQUIRE(pool.get(a) != nullptr);
  CHECK(pool.get(a)->value == 1);
  pool.destroy(a);
  CHECK(pool.get(a) == nullptr);
  CHECK_FALSE(pool.contains(a));
  CHECK(pool.get(b)->value == 2);
  CHECK(pool.size() == 1);
  CHECK(pool.get(fm::Handle<Particle>{}) == nullptr);
  CHECK(pool.get(fm::Handle<Particle>(999, 1)) == nullptr);
}

TEST_CASE("at throws stale_handle naming the handle, the pool and the slot's current generation") {
  fm::HandlePool<Particle> pool;
  const auto a = pool.create(Particle{1});
  CHECK(pool.at(a).value == 1);
  pool.destroy(a);
  try {
    (void)pool.at(a);
    FAIL("expected fm::stale_handle");
  } catch (const fm::stale_handle& e) {
    CHECK(std::string(e.what()) == "stale handle particle#0@1 in 'particle': its slot is now at generation 2");
    CHECK(e.current_generation() == 2);
  }
  fm::NewAllocator heap;
  fm::HandlePool<Particle> named(heap, "sparks");
  CHECK_THROWS_WITH_AS((void)named.at(fm::Handle<Particle>(5, 1)),
                       "stale handle particle#5@1 in 'sparks': its slot was never issued or is retired",
                       fm::stale_handle);
}

TEST_CASE("destroying a stale handle throws and leaves the pool untouched; try_destroy says false") {
  fm::HandlePool<Particle> pool;
  const auto a = pool.create(Particle{1});
  const auto b = pool.create(Particle{2});
  pool.destroy(a);
  CHECK_THROWS_AS(pool.destroy(a), fm::stale_handle);
  CHECK_FALSE(pool.try_destroy(a));
  CHECK_FALSE(pool.try_destroy(fm::Handle<Particle>{}));
  CHECK(pool.size() == 1);
  CHECK(pool.get(b)->value == 2);
}

TEST_CASE("a reused slot never validates an old handle") {
  fm::HandlePool<Particle> pool;
  std::vector<fm::Handle<Particle>> old;
  for (int i = 0; i < 200; ++i) old.push_back(pool.create(Particle{i}));
  for (const auto h : old) pool.destroy(h);
  std::vector<fm::Handle<Particle>> fresh;
  for (int i = 0; i < 200; ++i) fresh.push_back(pool.create(Particle{1000 + i}));
  const auto reused = std::count_if(fresh.begin(), fresh.end(), [](auto h) { return h.generation() > 1; });
  CHECK(reused > 0);
  for (const auto h : old) CHECK(pool.get(h) == nullptr);
  for (int i = 0; i < 200; ++i) CHECK(pool.at(fresh[static_cast<std::size_t>(i)]).value == 1000 + i);
}

TEST_CASE("the reuse order stays first-in first-out while the slot table grows past freed slots that wrap") {
  // The freed slots wait in a ring. Here they wrap around its end while new slots are issued past its
  // size, so the ring grows with its contents wrapped; every create is checked against a plain queue.
  fm::HandlePool<Particle> pool;
  std::deque<std::uint32_t> waiting;  // the model: freed slot indices, oldest first
  std::uint32_t issued = 0;
  std::deque<fm::Handle<Particle>> live;
  std::size_t wrong = 0;
  const auto create = [&] {
    std::uint32_t expected = issued;
    if (waiting.size() > fm::HandlePool<Particle>::reuse_threshold) {
      expected = waiting.front();
      waiting.pop_front();
    } else {
      ++issued;
    }
    live.push_back(pool.create(Particle{static_cast<int>(expected)}));
    wrong += live.back().index() == expected ? 0 : 1;
  };
  const auto destroy_oldest = [&] {
    waiting.push_back(live.front().index());
    pool.destroy(live.front());
    live.pop_front();
  };
  for (int i = 0; i < 200; ++i) create();
  for (int i = 0; i < 65; ++i) destroy_oldest();
  for (int i = 0; i < 4070; ++i) {  // the waiting slots move through the ring and across its end
    create();
    destroy_oldest();
  }
  create();                                   // 64 wait, wrapped around the ring's end
  while (issued < 9000) create();             // new slots: the ring grows twice, the first time wrapped
  for (int i = 0; i < 3000; ++i) destroy_oldest();
  for (int i = 0; i < 3000; ++i) create();    // reuses in the order of the frees
  CHECK(wrong == 0);
  CHECK(pool.stats().free_slots == waiting.size());
  for (const auto& h : live) CHECK(pool.get(h) != nullptr);
}

TEST_CASE("freed slots are reused first-in first-out, and only while more than 64 wait") {
  fm::HandlePool<Particle> pool;
  std::vector<fm::Handle<Particle>> hs;
  for (int i = 0; i < 100; ++i) hs.push_back(pool.create(Particle{i}));
  for (std::size_t i = 0; i < fm::HandlePool<Particle>::reuse_threshold; ++i) pool.destroy(hs[i]);
  CHECK(pool.stats().free_slots == 64);
  const auto grown = pool.create(Particle{});
  CHECK(grown.index() == 100);  // 64 waiting: not yet reused
  pool.destroy(hs[64]);  // 65 waiting
  const auto first = pool.create(Particle{});
  CHECK(first.index() == 0);  // the first slot freed comes back first
  CHECK(first.generation() == 2);
  const auto second = pool.create(Particle{});
  CHECK(second.index() == 101);  // 64 waiting again: a new slot
  CHECK(second.generation() == 1);
  CHECK(pool.contains(grown));
}

TEST_CASE("deferred destroy keeps the object alive until flush") {
  fm::HandlePool<Particle> pool;
  const auto a = pool.create(Particle{7});
  const auto b = pool.create(Particle{8});
  pool.destroy_deferred(a);
  pool.destroy_deferred(a);  // queued twice, destroyed once
  CHECK(pool.try_destroy_deferred(b));
  CHECK(pool.get(a)->value == 7);
  CHECK(pool.size() == 2);
  CHECK(pool.stats().deferred == 3);
  CHECK(pool.flush() == 2);
  CHECK(pool.get(a) == nullptr);
  CHECK(pool.get(b) == nullptr);
  CHECK(pool.size() == 0);
  CHECK(pool.stats().deferred == 0);
  CHECK_THROWS_AS(pool.destroy_deferred(a), fm::stale_handle);
  CHECK_FALSE(pool.try_destroy_deferred(a));
  CHECK(pool.stats().deferred == 0);
}

TEST_CASE("each visits every live object once, with its handle, and tolerates destroys") {
  fm::HandlePool<Particle> pool;
  std::vector<fm::Handle<Particle>> hs;
  for (int i = 0; i < 50; ++i) hs.push_back(pool.create(Particle{i}));
  for (int i = 0; i < 50; i += 3) pool.destroy(hs[static_cast<std::size_t>(i)]);
  std::set<int> seen;
  pool.each([&](fm::Handle<Particle> h, Particle& p) {
    CHECK(pool.get(h) == &p);
    CHECK(seen.insert(p.value).second);
  });
  CHECK(seen.size() == pool.size());
  int visited = 0;
  pool.each([&](Particle& p) {
    ++visited;
    if (p.value % 3 == 1 && p.value < 48) pool.destroy(hs[static_cast<std::size_t>(p.value + 1)]);  // not yet visited
  });
  CHECK(pool.size() == 17);  // 50, minus 17 multiples of 3, minus 16 destroyed during the visit
  CHECK(visited == 17);
  std::size_t counted = 0;
  std::as_const(pool).each([&](const Particle&) { ++counted; });
  CHECK(counted == pool.size());
}

TEST_CASE("each skips objects destroyed during the visit, the last stored one included") {
  fm::HandlePool<Particle> pool;
  std::vector<fm::Handle<Particle>> hs;
  for (int i = 0; i < 10; ++i) hs.push_back(pool.create(Particle{i}));
  pool.destroy(hs[8]);  // a hole just below the last object
  std::vector<int> visited;
  pool.each([&](fm::Handle<Particle> h, Particle& p) {
    CHECK(pool.get(h) == &p);
    if (visited.empty()) pool.destroy(hs[9]);  // storage now ends at 8: cells 8 and 9 are past it
    visited.push_back(p.value);
  });
  CHECK(visited == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7});
  CHECK(pool.size() == 8);
}

TEST_CASE("a stale handle of an object compact() moved resolves to null after its pages were given back") {
  fm::HandlePool<Particle> pool;
  const auto a = pool.create(Particle{1});
  const auto b = pool.create(Particle{2});
  const auto c = pool.create(Particle{3});
  pool.destroy(a);
  REQUIRE(pool.compact().objects_moved == 1);  // c moves from the end into a's cell, behind a link in its slot
  REQUIRE(pool.at(c).value == 3);
  pool.destroy(c);
  pool.destroy(b);
  pool.shrink_to_fit();  // no object left: every object page goes back
  CHECK(pool.stats().holes == 0);
  for (const auto h : {a, b, c}) {
    CHECK(pool.get(h) == nullptr);
    CHECK_FALSE(pool.contains(h));
    CHECK_FALSE(pool.try_destroy(h));
    CHECK_THROWS_AS((void)pool.at(h), fm::stale_handle);
  }
  const auto d = pool.create(Particle{4});  // storage starts again from its first cell
  CHECK(pool.at(d).value == 4);
  CHECK(pool.get(c) == nullptr);
}

TEST_CASE("compact closes holes, keeps every handle valid, and works within a byte budget") {
  fm::HandlePool<Particle> pool;
  std::vector<fm::Handle<Particle>> hs;
  for (int i = 0; i < 1000; ++i) hs.push_back(pool.create(Particle{i}));
  for (int i = 0; i < 1000; i += 2) pool.destroy(hs[static_cast<std::size_t>(i)]);
  const std::size_t holes = pool.stats().holes;
  CHECK(holes > 0);

  const auto step = pool.compact(3 * sizeof(Particle) + 1);
  CHECK(step.objects_moved == 3);
  CHECK(step.bytes_moved == 3 * sizeof(Particle));
  CHECK(step.holes_left < holes);

  const auto rest = pool.compact();
  CHECK(rest.holes_left == 0);
  CHECK(pool.stats().holes == 0);
  for (int i = 1; i < 1000; i += 2) CHECK(pool.at(hs[static_cast<std::size_t>(i)]).value == i);
  std::size_t visited = 0;
  pool.each([&](const Particle& p) { visited += p.value % 2 == 1 ? 1 : 0; });
  CHECK(visited == 500);
  CHECK(pool.compact().objects_moved == 0);
}

TEST_CASE("a compacted pool stays compact after the next create while fewer than 64 slots are free") {
  fm::HandlePool<Particle> pool;
  std::vector<fm::Handle<Particle>> hs;
  for (int i = 0; i < 20; ++i) hs.push_back(pool.create(Particle{i}));
  for (int i = 0; i < 20; i += 2) pool.destroy(hs[static_cast<std::size_t>(i)]);
  const auto compacted = pool.compact();
  CHECK(compacted.objects_moved > 0);
  CHECK(compacted.holes_left == 0);
  // Ten free slots, fewer than the reuse threshold: the new object takes a fresh slot whose home cell lies
  // past the compacted storage.
  const auto fresh = pool.create(Particle{100});
  CHECK(pool.stats().holes == 0);
  CHECK(pool.at(fresh).value == 100);
  const auto another = pool.create(Particle{101});
  CHECK(pool.stats().holes == 0);
  CHECK(pool.at(another).value == 101);
  for (int i = 1; i < 20; i += 2) CHECK(pool.at(hs[static_cast<std::size_t>(i)]).value == i);
  std::size_t visited = 0;
  pool.each([&](const Particle&) { ++visited; });
  CHECK(visited == 12);
}

TEST_CASE("pages come from the given allocator and stats account for every byte") {
  fm::test::BudgetAllocator budget;
  {
    fm::HandlePool<Particle> pool(budget, "particles");
    CHECK(pool.name() == "particles");
    std::vector<fm::Handle<Particle>> hs;
    for (int i = 0; i < 5000; ++i) hs.push_back(pool.create(Particle{i}));
    const auto s = pool.stats();
    CHECK(s.size == 5000);
    CHECK(s.slots_issued == 5000);
    CHECK(s.capacity >= 5000);
    CHECK(s.pages > 0);
    CHECK(s.bytes_reserved == budget.stats().bytes_used);
    for (std::size_t i = 0; i < 4000; ++i) pool.destroy(hs[i]);
    pool.compact();
    pool.shrink_to_fit();
    CHECK(pool.stats().bytes_reserved == budget.stats().bytes_used);
    CHECK(pool.stats().bytes_reserved < s.bytes_reserved);
    CHECK(pool.stats().free_slots == 4000);
  }
  CHECK(budget.stats().bytes_used == 0);
}

TEST_CASE("running out of budget throws out_of_memory naming the allocator and leaves the pool untouched") {
  fm::test::BudgetAllocator budget;
  fm::HandlePool<Particle> pool(budget);
  std::vector<fm::Handle<Particle>> hs;
  while (budget.stats().allocations == 0 || pool.stats().capacity > pool.size()) hs.push_back(pool.create(Particle{1}));
  // every page is full: the next create needs memory
  budget.set_budget(budget.stats().bytes_used);
  const auto before = pool.stats();
  CHECK_THROWS_WITH_AS(pool.create(Particle{2}), doctest::Contains("out of memory in 'test budget'"),
                       fm::out_of_memory);
  CHECK(pool.try_create(Particle{3}).is_null());
  CHECK(pool.size() == before.size);
  CHECK(pool.stats().bytes_reserved == before.bytes_reserved);
  for (const auto h : hs) CHECK(pool.contains(h));
  budget.set_budget(std::numeric_limits<std::size_t>::max());
  CHECK(pool.at(pool.create(Particle{4})).value == 4);
}

TEST_CASE("create/destroy churn at a stable population allocates nothing once warmed up") {
  fm::test::BudgetAllocator counting;
  fm::HandlePool<Particle> pool(counting);
  std::mt19937 rng(7);
  std::vector<fm::Handle<Particle>> live;
  auto churn = [&](int ops) {
    for (int i = 0; i < ops; ++i) {
      const std::size_t victim = rng() % live.size();
      if (i % 2 == 0) {
        pool.destroy(live[victim]);
      } else {
        pool.destroy_deferred(live[victim]);
      }
      live[victim] = pool.create(Particle{i});
      if (i % 16 == 0) pool.flush();
      if (i % 64 == 0) pool.compact(4 * sizeof(Particle));
    }
    pool.flush();
  };
  for (int i = 0; i < 1000; ++i) live.push_back(pool.create(Particle{i}));
  churn(20000);
  const auto allocations = counting.stats().allocations;
  churn(20000);
  CHECK(counting.stats().allocations == allocations);
  CHECK(pool.size() == 1000);
}

TEST_CASE("a slot whose generation would wrap is retired and never reissued") {
  using SmallPool = fm::HandlePool<Particle, 3>;  // generations 1, 2, 3, then retired
  SmallPool pool;
  std::set<std::uint64_t> issued;
  std::vector<fm::Handle<Particle>> all;
  for (int round = 0; round < 20; ++round) {
    std::vector<fm::Handle<Particle>> batch;
    for (int i = 0; i < 100; ++i) {
      const auto h = pool.create(Particle{i});
      CHECK(h.generation() >= 1);
      CHECK(h.generation() <= 3);
      CHECK(issued.insert(h.bits()).second);  // never the same handle twice
      batch.push_back(h);
    }
    for (const auto h : batch) pool.destroy(h);
    all.insert(all.end(), batch.begin(), batch.end());
  }
  for (const auto h : all) CHECK(pool.get(h) == nullptr);
  const auto s = pool.stats();
  CHECK(s.retired_slots > 0);
  CHECK(s.retired_slots + s.free_slots == s.slots_issued);
  std::size_t at_last_generation = 0;
  for (const auto h : all) at_last_generation += h.generation() == 3 ? 1 : 0;
  CHECK(at_last_generation == s.retired_slots);
  CHECK_THROWS_WITH_AS((void)pool.at(fm::Handle<Particle>(0, 3)),
                       "stale handle particle#0@3 in 'particle': its slot was never issued or is retired",
                       fm::stale_handle);
}

TEST_CASE("randomized create/destroy/deferred/compact matches an unordered_map model") {
  for (const unsigned seed : {1U, 2U, 3U, 1234U}) {
    CAPTURE(seed);
    std::map<int, int> destroyed;
    std::unordered_map<fm::Handle<Tracked>, int> model;  // live handle -> id
    std::vector<fm::Handle<Tracked>> dead;
    {
      fm::HandlePool<Tracked> pool;
      std::mt19937 rng(seed);
      std::vector<fm::Handle<Tracked>> deferred;
      int next_id = 0;
      std::size_t moved = 0;
      for (int step = 0; step < 4000; ++step) {
        CAPTURE(step);
        const unsigned op = rng() % 100;
        if (op < 50 || model.empty()) {
          const int id = next_id++;
          const auto h = pool.create(id, destroyed);
          CHECK(model.emplace(h, id).second);
        } else if (op < 80) {
          auto it = std::next(model.begin(), static_cast<long>(rng() % model.size()));
          if (std::find(deferred.begin(), deferred.end(), it->first) == deferred.end()) {
            pool.destroy(it->first);
            dead.push_back(it->first);
            model.erase(it);
          }
        } else if (op < 90) {
          auto it = std::next(model.begin(), static_cast<long>(rng() % model.size()));
          pool.destroy_deferred(it->first);
          deferred.push_back(it->first);
        } else if (op < 95) {
          for (const auto h : deferred) {
            if (model.erase(h) == 1) dead.push_back(h);
          }
          deferred.clear();
          pool.flush();
        } else {
          moved += pool.compact(rng() % 2 == 0 ? std::numeric_limits<std::size_t>::max() : (rng() % 8) * sizeof(Tracked))
                       .objects_moved;
        }
        REQUIRE(pool.size() == model.size());
        for (const auto& [h, id] : model) {
          const Tracked* t = pool.get(h);
          REQUIRE(t != nullptr);
          CHECK(t->id == id);
          CHECK(destroyed.count(id) == 0);
        }
        if (step % 50 == 0) {
          for (const auto h : dead) CHECK(pool.get(h) == nullptr);
          std::size_t visited = 0;
          pool.each([&](fm::Handle<Tracked> h, const Tracked& t) {
            ++visited;
            CHECK(model.at(h) == t.id);
          });
          CHECK(visited == model.size());
        }
      }
      for (const auto h : dead) CHECK(pool.get(h) == nullptr);
      for (const auto& [id, count] : destroyed) CHECK(count == 1);
      CHECK(destroyed.size() == dead.size());
      CHECK(moved > 0);  // compaction really relocated objects, so moved ones were resolved above
    }
    // the pool's destructor ran the rest: every object exactly once
    CHECK(destroyed.size() == static_cast<std::size_t>(dead.size() + model.size()));
    for (const auto& [id, count] : destroyed) CHECK(count == 1);
  }
}

TEST_CASE("a handle from another pool of the same type resolves to null and at() throws naming the pool") {
  fm::NewAllocator heap;
  fm::HandlePool<Particle> red(heap, "red");
  fm::HandlePool<Particle> blue(heap, "blue");
  const auto r = red.create(Particle{1});
  const auto b = blue.create(Particle{2});
  REQUIRE(r.index() == b.index());  // same slot in both pools: only the pool tells them apart
  CHECK(blue.get(r) == nullptr);
  CHECK(red.get(b) == nullptr);
  CHECK_FALSE(blue.contains(r));
  CHECK_THROWS_WITH_AS((void)blue.at(r), doctest::Contains("in 'blue': issued by another pool"), fm::stale_handle);
  CHECK_THROWS_AS(blue.destroy(r), fm::stale_handle);
  CHECK_FALSE(blue.try_destroy(r));
  CHECK_THROWS_AS(blue.destroy_deferred(r), fm::stale_handle);
  CHECK(blue.flush() == 0);
  CHECK(blue.size() == 1);
  CHECK(blue.at(b).value == 2);
  CHECK(red.at(r).value == 1);

  // Also when the object has been moved away from its home cell by compact() (the out-of-line lookup).
  std::vector<fm::Handle<Particle>> reds, blues;
  for (int i = 0; i < 8; ++i) {
    reds.push_back(red.create(Particle{10 + i}));
    blues.push_back(blue.create(Particle{20 + i}));
  }
  for (int i = 0; i < 4; ++i) {
    red.destroy(reds[static_cast<std::size_t>(i)]);
    blue.destroy(blues[static_cast<std::size_t>(i)]);
  }
  CHECK(red.compact().objects_moved > 0);
  CHECK(blue.compact().objects_moved > 0);
  for (std::size_t i = 4; i < 8; ++i) {
    REQUIRE(reds[i].index() == blues[i].index());
    CHECK(blue.get(reds[i]) == nullptr);
    CHECK(red.get(blues[i]) == nullptr);
    CHECK(red.at(reds[i]).value == 10 + static_cast<int>(i));
  }
}

TEST_CASE("a create refused for memory gives back the slot page it already took") {
  fm::test::BudgetAllocator budget;
  fm::HandlePool<Particle> pool(budget);
  // Fill the first slot page; the cells of those objects fill two cell pages (cells are bigger than slots).
  const std::size_t slots_per_page = fm::PageTable<std::uint64_t>::per_page;
  for (std::size_t i = 0; i < slots_per_page; ++i) (void)pool.create(Particle{1});
  const fm::HandlePoolStats before = pool.stats();
  REQUIRE(before.capacity == slots_per_page);
  // Room for the next slot page but not for the cell page the same create needs.
  budget.set_budget(budget.stats().bytes_used + fm::PageTable<std::uint64_t>::page_bytes);
  CHECK_THROWS_AS(pool.create(Particle{2}), fm::out_of_memory);
  CHECK(pool.try_create(Particle{3}).is_null());
  CHECK(pool.stats().bytes_reserved == before.bytes_reserved);
  CHECK(pool.stats().pages == before.pages);
  CHECK(budget.stats().bytes_used == before.bytes_reserved);
  CHECK(pool.size() == slots_per_page);
}

// Moving: a handle pool is returned from a factory and kept in a growing std::vector like any value.
static_assert(std::is_nothrow_move_constructible_v<fm::HandlePool<Particle>> &&
              std::is_nothrow_move_assignable_v<fm::HandlePool<Particle>>);
static_assert(!std::is_copy_constructible_v<fm::HandlePool<Particle>> &&
              !std::is_copy_assignable_v<fm::HandlePool<Particle>>);

namespace {

// A pool of Tracked objects with ids first.., returned by value; `alloc` null: the pool's own heap.
fm::HandlePool<Tracked> tracked_pool(fm::AllocatorRef alloc, int first, int count, std::map<int, int>& destroyed,
                                     std::vector<fm::Handle<Tracked>>& out) {
  fm::HandlePool<Tracked> pool(alloc, "tracked " + std::to_string(first));
  for (int i = 0; i < count; ++i) out.push_back(pool.create(first + i, destroyed));
  return pool;
}

}  // namespace

TEST_CASE("handle pools in a reallocating vector keep their objects, handles, stale checks and stats") {
  std::map<int, int> destroyed;
  std::vector<fm::HandlePool<Tracked>> pools;
  std::vector<std::vector<fm::Handle<Tracked>>> handles(20);
  for (int i = 0; i < 20; ++i) pools.push_back(tracked_pool({}, 1000 * i, 50 + i, destroyed, handles[i]));
  CHECK(destroyed.empty());  // moving a pool does not move or destroy its objects
  for (int i = 0; i < 20; ++i) {
    auto& pool = pools[i];
    CAPTURE(i);
    CHECK(pool.name() == "tracked " + std::to_string(1000 * i));
    CHECK(pool.size() == handles[i].size());
    for (std::size_t k = 0; k < handles[i].size(); ++k) {
      CHECK(pool.at(handles[i][k]).id == 1000 * i + static_cast<int>(k));
    }
    const auto& other = handles[(i + 1) % 20];
    CHECK(pool.get(other.back()) == nullptr);  // another pool's handle is still told apart
    CHECK_THROWS_AS(pool.destroy(other.back()), fm::stale_handle);
    // Growth after the move draws pages from the pool's own heap (the moved one, not the old object's).
    for (int k = 0; k < 2000; ++k) handles[i].push_back(pool.create(-1, destroyed));
    CHECK(pool.stats().size == handles[i].size());
    for (std::size_t k = 0; k < 10; ++k) pool.destroy(handles[i][k]);
    CHECK(pool.get(handles[i][0]) == nullptr);
    CHECK(pool.compact().objects_moved > 0);
    CHECK(pool.at(handles[i][10]).id == 1000 * i + 10);
  }
  pools.clear();
  for (int i = 0; i < 20; ++i) {
    for (int k = 0; k < 50 + i; ++k) CHECK(destroyed[1000 * i + k] == 1);  // once: by destroy or with the pool
  }
}

TEST_CASE("move-assigning over a handle pool destroys its objects and frees its pages first; self-move is harmless") {
  fm::test::BudgetAllocator budget;
  std::map<int, int> destroyed;
  std::vector<fm::Handle<Tracked>> a_handles;
  std::vector<fm::Handle<Tracked>> b_handles;
  auto a = tracked_pool(budget, 0, 3000, destroyed, a_handles);
  const std::size_t a_bytes = budget.stats().bytes_used;
  auto b = tracked_pool(budget, 10000, 10, destroyed, b_handles);
  const std::size_t b_bytes = budget.stats().bytes_used - a_bytes;
  a = std::move(b);
  CHECK(destroyed.size() == 3000);
  CHECK(budget.stats().bytes_used == b_bytes);
  CHECK(a.stats().bytes_reserved == b_bytes);
  auto& same = a;
  a = std::move(same);
  CHECK(a.size() == 10);
  CHECK(a.at(b_handles[9]).id == 10009);
  CHECK(destroyed.size() == 3000);
}

TEST_CASE("a moved-from handle pool is empty, every handle stale, and works again once assigned") {
  std::map<int, int> destroyed;
  std::vector<fm::Handle<Tracked>> handles;
  auto source = std::make_unique<fm::HandlePool<Tracked>>(tracked_pool({}, 0, 100, destroyed, handles));
  fm::HandlePool<Tracked> target = std::move(*source);
  CHECK(source->empty());
  CHECK(source->get(handles[0]) == nullptr);
  CHECK_THROWS_AS((void)source->at(handles[0]), fm::stale_handle);
  CHECK(source->stats().bytes_reserved == 0);
  *source = fm::HandlePool<Tracked>();
  const auto h = source->create(-5, destroyed);
  CHECK(source->at(h).id == -5);
  source.reset();
  CHECK(destroyed.size() == 1);  // only the object the reassigned pool made
  CHECK(target.at(handles[99]).id == 99);
}

TEST_CASE("a handle pool moved out of a heap object grows from its own heap after that object is gone") {
  std::map<int, int> destroyed;
  auto source = std::make_unique<fm::HandlePool<Tracked>>();
  const auto first = source->create(1, destroyed);
  fm::HandlePool<Tracked> target = std::move(*source);
  source.reset();
  for (int i = 0; i < 5000; ++i) (void)target.create(2, destroyed);  // new pages, directory growth
  CHECK(target.at(first).id == 1);
  CHECK(target.size() == 5001);
}
