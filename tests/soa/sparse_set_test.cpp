// Specification of fm/soa/sparse_set.hpp: handles map to dense SoA rows in O(1), rows stay dense and
// consistent under random erases, bad inserts are refused with a message.
#include "fm/soa/sparse_set.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "fm/handle/handle_pool.hpp"
#include "handle/budget_allocator.hpp"
#include "support/move_assignment_spec.hpp"

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

// Moving: a sparse set is returned from a factory and kept in a growing std::vector like any value.
using Enemies = fm::SparseSet<Enemy, Health, Speed>;
static_assert(std::is_nothrow_move_constructible_v<Enemies> && std::is_nothrow_move_assignable_v<Enemies>);
static_assert(!std::is_copy_constructible_v<Enemies> && !std::is_copy_assignable_v<Enemies>);

namespace {
// Rows for slots first.., spread over sparse pages (stride 997), health = slot; returned by value.
Enemies enemies(fm::AllocatorRef alloc, std::uint32_t first, std::uint32_t count) {
  Enemies set(alloc);
  for (std::uint32_t k = 0; k < count; ++k) {
    const std::uint32_t slot = first + 997 * k;
    set.emplace(H(slot, 1), {static_cast<int>(slot)}, {0.5F});
  }
  return set;
}

void check_enemies(Enemies& set, std::uint32_t first, std::uint32_t count) {
  CHECK(set.size() == count);
  for (std::uint32_t k = 0; k < count; ++k) {
    const std::uint32_t slot = first + 997 * k;
    REQUIRE(set.get<Health>(H(slot, 1)) != nullptr);
    CHECK(set.get<Health>(H(slot, 1))->hp == static_cast<int>(slot));
  }
}
}  // namespace

TEST_CASE("sparse sets in a reallocating vector keep their rows, grow, and refuse bad inserts") {
  std::vector<Enemies> sets;
  for (std::uint32_t i = 0; i < 25; ++i) sets.push_back(enemies({}, i, 10 + i));
  for (std::uint32_t i = 0; i < 25; ++i) {
    Enemies& set = sets[i];
    CAPTURE(i);
    check_enemies(set, i, 10 + i);
    CHECK_THROWS_AS(set.emplace(H(i, 2), {0}, {0.0F}), fm::error);  // the slot already has a row
    CHECK_FALSE(set.contains(H(i + 1, 1)));
    // Growth of both sides after the move draws from the set's own heap (the moved one, not the old object's).
    for (std::uint32_t k = 0; k < 300; ++k) set.emplace(H(200000 + 1000 * k, 1), {-1}, {0.0F});
    CHECK(set.erase(H(i, 1)));
    CHECK(set.size() == 10 + i - 1 + 300);
    CHECK(set.get<Health>(H(200000, 1))->hp == -1);
  }
}

TEST_CASE("move-assigning over a sparse set gives its memory back first; self-move changes nothing") {
  const std::uint32_t target_rows = 200;
  const std::uint32_t source_first = 5;
  fm::test::check_move_assignment_gives_memory_back_first(target_rows, source_first, enemies, check_enemies);
}

TEST_CASE("a moved-from sparse set is empty, can be destroyed, and is used again") {
  fm::test::BudgetAllocator budget;
  auto source = std::make_unique<Enemies>(enemies(budget, 0, 50));
  Enemies target = std::move(*source);
  CHECK(source->empty());
  CHECK_FALSE(source->contains(H(0, 1)));
  CHECK(source->bytes_reserved() == 0);
  source->emplace(H(0, 1), {42}, {1.0F});  // from the allocator it had
  CHECK(source->get<Health>(H(0, 1))->hp == 42);
  *source = enemies({}, 3, 4);
  check_enemies(*source, 3, 4);
  source.reset();
  CHECK(budget.stats().bytes_used == target.bytes_reserved());
  check_enemies(target, 0, 50);
}

TEST_CASE("a sparse set moved out of a heap object grows from its own heap after that object is gone") {
  auto source = std::make_unique<Enemies>();
  source->emplace(H(0, 1), {0}, {0.0F});
  Enemies target = std::move(*source);
  source.reset();
  for (std::uint32_t k = 1; k < 500; ++k) target.emplace(H(997 * k, 1), {static_cast<int>(997 * k)}, {0.5F});
  check_enemies(target, 0, 500);
}
