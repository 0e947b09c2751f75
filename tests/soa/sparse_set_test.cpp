// Specification of fm/soa/sparse_set.hpp: handles map to dense SoA rows in O(1), rows stay dense and
// consistent under random erases, bad inserts are refused with a message.
#include "fm/soa/sparse_set.hpp"

#include <doctest/doctest.h>

#include <random>
#include <unordered_map>
#include <vector>

#include "fm/handle/handle_pool.hpp"
#include "handle/budget_allocator.hpp"

namespace {
struct Enemy {
  static constexpr std::string_view handle_name = "enemy";
};
struct Health {
  int hp;
};
struct Speed {
  float v;
};
using H = fm::Handle<Enemy>;
}  // namespace

TEST_CASE("emplace gives dense rows; get finds a handle's components in O(1)") {
  fm::SparseSet<Enemy, Health, Speed> set;
  CHECK(set.emplace(H(10, 1), {100}, {1.5F}) == 0);
  CHECK(set.emplace(H(3, 2), {50}, {2.5F}) == 1);
  CHECK(set.size() == 2);
  CHECK(set.get<Health>(H(10, 1))->hp == 100);
  CHECK(set.get<Speed>(H(3, 2))->v == 2.5F);
  CHECK(set.get<Health>(H(3, 1)) == nullptr);  // same slot, other generation
  CHECK(set.get<Health>(H(4, 1)) == nullptr);
  CHECK(set.get<Health>(H(100000, 1)) == nullptr);
  CHECK(set.handles()[1] == H(3, 2));
  CHECK(set.column<Health>()[0].hp == 100);
}

TEST_CASE("null handles and occupied slots are refused with a message, leaving the set untouched") {
  fm::SparseSet<Enemy, Health> set;
  set.emplace(H(3, 1), {1});
  CHECK_THROWS_WITH_AS(set.emplace(H(), {2}), "sparse set: cannot add a null enemy handle", fm::error);
  CHECK_THROWS_WITH_AS(set.emplace(H(3, 2), {2}),
                       "sparse set: cannot add enemy#3@2: its slot already has a row for enemy#3@1", fm::error);
  CHECK_FALSE(set.try_emplace(H(3, 1), {2}));
  CHECK_FALSE(set.try_emplace(H(), {2}));
  CHECK(set.size() == 1);
  CHECK(set.get<Health>(H(3, 1))->hp == 1);
  CHECK(set.try_emplace(H(4, 1), {4}));
  CHECK(set.get<Health>(H(4, 1))->hp == 4);
}

TEST_CASE("erase moves the last row into the hole and repoints its handle") {
  fm::SparseSet<Enemy, Health> set;
  for (std::uint32_t i = 0; i < 4; ++i) set.emplace(H(i, 1), {int(i)});
  CHECK(set.erase(H(1, 1)));
  CHECK_FALSE(set.erase(H(1, 1)));
  CHECK(set.size() == 3);
  CHECK(set.row(H(3, 1)) == 1);
  CHECK(set.handles()[1] == H(3, 1));
  CHECK(set.column<Health>()[1].hp == 3);
  CHECK(set.row(H(1, 1)) == set.npos);
  set.emplace(H(1, 2), {11});  // the slot can be used again by a newer generation
  CHECK(set.get<Health>(H(1, 2))->hp == 11);
}

TEST_CASE("a refused allocation leaves the set untouched") {
  fm::test::BudgetAllocator budget;
  fm::SparseSet<Enemy, Health> set(budget);
  set.emplace(H(0, 1), {1});
  budget.set_budget(budget.stats().bytes_used);
  CHECK_FALSE(set.try_emplace(H(100000, 1), {2}));  // needs more sparse pages
  CHECK_THROWS_AS(set.emplace(H(100000, 1), {2}), fm::out_of_memory);
  CHECK(set.size() == 1);
  CHECK(set.contains(H(0, 1)));
  CHECK(set.bytes_reserved() == budget.stats().bytes_used);
}

TEST_CASE("randomized: handles from a pool, components in a sparse set, checked against a model") {
  for (const unsigned seed : {11U, 12U, 2024U}) {
    CAPTURE(seed);
    std::mt19937 rng(seed);
    fm::HandlePool<Enemy> pool;
    fm::SparseSet<Enemy, Health, Speed> set;
    std::unordered_map<H, int> model;
    std::vector<H> dead;
    for (int step = 0; step < 4000; ++step) {
      CAPTURE(step);
      if (model.empty() || rng() % 5 < 3) {
        const H h = pool.create();
        set.emplace(h, {step}, {float(step) / 2});
        model.emplace(h, step);
      } else {
        auto it = std::next(model.begin(), long(rng() % model.size()));
        CHECK(set.erase(it->first));
        pool.destroy(it->first);
        dead.push_back(it->first);
        model.erase(it);
      }
      REQUIRE(set.size() == model.size());
      if (step % 40 == 0) {
        for (const auto& [h, hp] : model) {
          const std::size_t r = set.row(h);
          REQUIRE(r < set.size());
          CHECK(set.handles()[r] == h);
          CHECK(set.column<Health>()[r].hp == hp);
          CHECK(set.column<Speed>()[r].v == float(hp) / 2);
        }
        for (const H h : dead) CHECK_FALSE(set.contains(h));
        std::size_t rows = 0;
        set.each<H, Health>([&](const H& h, Health& health) {
          ++rows;
          CHECK(model.at(h) == health.hp);
        });
        CHECK(rows == model.size());
      }
    }
  }
}

TEST_CASE("an insert refused for memory gives back the sparse pages it added") {
  fm::test::BudgetAllocator budget;
  fm::SparseSet<Enemy, Health> set(budget);
  set.emplace(H(0, 1), {1});
  const std::size_t before = set.bytes_reserved();
  // Room for a few more sparse pages, but slot 100000 needs 25 of them.
  budget.set_budget(budget.stats().bytes_used + 4 * fm::PageTable<std::uint32_t>::page_bytes);
  CHECK_FALSE(set.try_emplace(H(100000, 1), {2}));
  CHECK(set.bytes_reserved() == before);
  CHECK_THROWS_AS(set.emplace(H(100000, 1), {2}), fm::out_of_memory);
  CHECK(set.bytes_reserved() == before);
  CHECK(budget.stats().bytes_used == before);
  CHECK(set.size() == 1);
  CHECK(set.get<Health>(H(0, 1))->hp == 1);
}
