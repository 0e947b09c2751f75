// Specification of fm/alloc/typed_pool.hpp.
#include "fm/alloc/typed_pool.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "support.hpp"

namespace {

using fm::test::message_of;

struct Tracked {
  static inline int alive = 0;
  std::string name;
  int hp;
  Tracked(std::string n, int h) : name(std::move(n)), hp(h) {
    if (hp < 0) throw std::invalid_argument("negative hp");
    ++alive;
  }
  ~Tracked() { --alive; }
};

TEST_CASE("typed pool constructs in place and destroy runs the destructor") {
  Tracked::alive = 0;
  fm::TypedPool<Tracked> pool{{.name = "enemies"}};
  Tracked* a = pool.create("orc", 10);
  Tracked* b = pool.create("troll", 20);
  CHECK(a->name == "orc");
  CHECK(b->hp == 20);
  CHECK(Tracked::alive == 2);
  CHECK(pool.size() == 2);
  CHECK(fm::is_aligned(a, alignof(Tracked)));
  pool.destroy(a);
  CHECK(Tracked::alive == 1);
  CHECK(pool.size() == 1);
  CHECK(pool.create("goblin", 1) == a);  // the block is reused
  int total = 0;
  pool.for_each([&](Tracked& t) { total += t.hp; });
  CHECK(total == 21);
}

TEST_CASE("destroying what the typed pool did not create, or twice, is a bad_free and changes nothing") {
  Tracked::alive = 0;
  fm::TypedPool<Tracked> pool{{.name = "enemies"}};
  Tracked* a = pool.create("orc", 10);
  pool.destroy(a);
  const std::string expected =
      "destroy in typed pool 'enemies': the object was not created by this pool or is already destroyed";
  CHECK(message_of<fm::bad_free>([&] { pool.destroy(a); }) == expected);
  Tracked outside{"stranger", 1};
  CHECK(message_of<fm::bad_free>([&] { pool.destroy(&outside); }) == expected);
  CHECK_FALSE(pool.try_destroy(&outside));
  CHECK_FALSE(pool.try_destroy(nullptr));
  CHECK(Tracked::alive == 1);  // only `outside`
  CHECK(pool.size() == 0);
}

TEST_CASE("a throwing constructor gives the block back") {
  Tracked::alive = 0;
  fm::TypedPool<Tracked> pool;
  CHECK_THROWS_AS((void)pool.create("bad", -1), std::invalid_argument);
  CHECK(pool.size() == 0);
  CHECK(pool.pool().stats().bytes_used == 0);
}

TEST_CASE("objects still alive die with their typed pool") {
  Tracked::alive = 0;
  {
    fm::TypedPool<Tracked> pool{{.blocks_per_page = 4}};
    for (int i = 0; i < 20; ++i) (void)pool.create("x", i);
    pool.destroy(pool.create("y", 1));
    CHECK(Tracked::alive == 20);
  }
  CHECK(Tracked::alive == 0);
}

TEST_CASE("try_create returns null when the budget is spent") {
  fm::TypedPool<Tracked> pool{{.budget = 4096, .name = "capped"}};
  std::size_t created = 0;
  while (pool.try_create("z", 0) != nullptr) ++created;
  CHECK(created == pool.pool().blocks_per_page());
  CHECK(message_of<fm::out_of_memory>([&] { (void)pool.create("z", 0); }).starts_with("out of memory in 'capped'"));
}

static_assert(std::is_nothrow_move_constructible_v<fm::TypedPool<Tracked>> &&
              std::is_nothrow_move_assignable_v<fm::TypedPool<Tracked>>);
static_assert(!std::is_copy_constructible_v<fm::TypedPool<Tracked>>);

// Built by appending rather than with `"p" + std::to_string(i)`: g++ 12 at -O3 reports a false
// -Wrestrict on that operator+ once it is inlined here.
static std::string numbered(int i) {
  std::string name = "p";
  name += std::to_string(i);
  return name;
}

TEST_CASE("typed pools move with their objects; assigning over one destroys its objects; each dies once") {
  Tracked::alive = 0;
  {
    std::vector<fm::TypedPool<Tracked>> pools;
    std::vector<Tracked*> first;
    for (int i = 0; i < 20; ++i) {
      pools.emplace_back(fm::PoolOptions{.blocks_per_page = 4});
      first.push_back(pools.back().create(numbered(i), i));
      for (int k = 0; k < i; ++k) (void)pools.back().create("x", k);
    }
    CHECK(Tracked::alive == 20 + 190);
    for (int i = 0; i < 20; ++i) {
      CHECK(first[i]->name == numbered(i));
      pools[i].destroy(first[i]);
      CHECK(pools[i].size() == static_cast<std::size_t>(i));
    }
    CHECK(Tracked::alive == 190);
    pools[0] = std::move(pools[19]);  // pools[0] was empty; pools[19] held 19
    pools[1] = std::move(pools[2]);   // destroys pools[1]'s one object first
    CHECK(Tracked::alive == 189);
    CHECK(pools[1].size() == 2);
    CHECK(pools[2].size() == 0);
    fm::TypedPool<Tracked>& same = pools[0];
    pools[0] = std::move(same);
    CHECK(pools[0].size() == 19);
  }
  CHECK(Tracked::alive == 0);
}

}  // namespace
