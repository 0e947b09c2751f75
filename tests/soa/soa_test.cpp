// Specification of fm/soa/soa.hpp: 64-byte aligned columns from an fm allocator, dense rows under
// swap_remove, spans and iteration over the requested columns only.
#include "fm/soa/soa.hpp"

#include <doctest/doctest.h>

#include <limits>
#include <memory>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "handle/budget_allocator.hpp"
#include "support/move_assignment_spec.hpp"

namespace {
struct Position {
  float x, y;
};
struct Velocity {
  float x, y;
};
struct Tag {
  char c;
};
struct Name {
  std::string text;  // not trivially copyable: rows must be moved, not memcpy'd
};
using Bodies = fm::SoA<Position, Velocity, Tag, Name>;

void push(Bodies& b, int i) {
  b.push_back({float(i), float(-i)}, {float(2 * i), 0.5F}, {char('a' + i % 26)}, {"body " + std::to_string(i)});
}
}  // namespace

TEST_CASE("every column starts on a 64-byte boundary, before and after growth") {
  Bodies bodies;
  for (int i = 0; i < 1000; ++i) {
    push(bodies, i);
    CHECK(fm::is_aligned(bodies.column<Position>().data(), 64));
    CHECK(fm::is_aligned(bodies.column<Velocity>().data(), 64));
    CHECK(fm::is_aligned(bodies.column<Tag>().data(), 64));
    CHECK(fm::is_aligned(bodies.column<Name>().data(), 64));
  }
  CHECK(bodies.size() == 1000);
  CHECK(bodies.capacity() >= 1000);
}

TEST_CASE("spans see the pushed rows, across growth") {
  Bodies bodies;
  for (int i = 0; i < 300; ++i) CHECK(bodies.push_back({float(i), 0}, {0, float(i)}, {'x'}, {std::to_string(i)}) == std::size_t(i));
  const auto positions = bodies.column<Position>();
  const auto names = std::as_const(bodies).column<Name>();
  REQUIRE(positions.size() == 300);
  for (int i = 0; i < 300; ++i) {
    CHECK(positions[std::size_t(i)].x == float(i));
    CHECK(bodies.column<Velocity>()[std::size_t(i)].y == float(i));
    CHECK(names[std::size_t(i)].text == std::to_string(i));
  }
}

TEST_CASE("swap_remove moves the last row into the hole and keeps rows dense") {
  Bodies bodies;
  for (int i = 0; i < 5; ++i) push(bodies, i);
  bodies.swap_remove(1);
  CHECK(bodies.size() == 4);
  CHECK(bodies.column<Position>()[1].x == 4.0F);
  CHECK(bodies.column<Name>()[1].text == "body 4");
  bodies.swap_remove(3);  // the last row: nothing moves
  CHECK(bodies.size() == 3);
  CHECK(bodies.column<Name>()[2].text == "body 2");
  CHECK_THROWS_WITH_AS(bodies.swap_remove(3), "SoA swap_remove: row 3 out of range (size 3)", std::out_of_range);
  CHECK(bodies.size() == 3);
}

TEST_CASE("each hands out the requested columns, row by row") {
  Bodies bodies;
  for (int i = 0; i < 100; ++i) push(bodies, i);
  std::size_t row = 0;
  bodies.each<Position, Velocity>([&](Position& p, Velocity& v) {
    CHECK(&p == &bodies.column<Position>()[row]);
    CHECK(&v == &bodies.column<Velocity>()[row]);
    p.x += v.x;
    ++row;
  });
  CHECK(row == 100);
  CHECK(bodies.column<Position>()[10].x == 30.0F);
  float sum = 0;
  std::as_const(bodies).each<Velocity>([&](const Velocity& v) { sum += v.y; });
  CHECK(sum == 50.0F);
}

TEST_CASE("columns come from the given allocator; a refused growth leaves the rows untouched") {
  fm::test::BudgetAllocator budget;
  {
    Bodies bodies(budget);
    for (int i = 0; i < 16; ++i) push(bodies, i);
    CHECK(budget.stats().bytes_used == bodies.bytes_reserved());
    // 16 rows: 128 bytes of positions, 128 of velocities, 16 tags padded to 64, names padded to 64
    CHECK(bodies.capacity() == 16);
    CHECK(bodies.bytes_reserved() == 128 + 128 + 64 + fm::align_up(16 * sizeof(Name), 64));
    budget.set_budget(budget.stats().bytes_used);
    CHECK_FALSE(bodies.try_push_back({1, 1}, {1, 1}, {'z'}, {"refused"}));
    CHECK_THROWS_AS(push(bodies, 99), fm::out_of_memory);
    CHECK(bodies.size() == 16);
    CHECK(bodies.column<Name>()[15].text == "body 15");
    budget.set_budget(std::numeric_limits<std::size_t>::max());
    push(bodies, 16);
    CHECK(bodies.column<Name>()[16].text == "body 16");
  }
  CHECK(budget.stats().bytes_used == 0);
}

TEST_CASE("randomized push_back/swap_remove matches a vector model") {
  for (const unsigned seed : {5U, 6U, 77U}) {
    CAPTURE(seed);
    std::mt19937 rng(seed);
    Bodies bodies;
    std::vector<int> model;  // row -> id
    for (int step = 0; step < 3000; ++step) {
      CAPTURE(step);
      if (model.empty() || rng() % 3 != 0) {
        const int id = step;
        push(bodies, id);
        model.push_back(id);
      } else {
        const std::size_t row = rng() % model.size();
        bodies.swap_remove(row);
        model[row] = model.back();
        model.pop_back();
      }
      REQUIRE(bodies.size() == model.size());
      if (step % 100 == 0) {
        for (std::size_t r = 0; r < model.size(); ++r) {
          CHECK(bodies.column<Position>()[r].x == float(model[r]));
          CHECK(bodies.column<Name>()[r].text == "body " + std::to_string(model[r]));
        }
      }
    }
  }
}

TEST_CASE("reserving more rows than size_t can address throws out_of_memory and leaves the SoA as it was") {
  // (SIZE_MAX / 8 + 2) rows of 8-byte doubles wrap around to a 64-byte block if nobody checks.
  constexpr std::size_t rows = std::numeric_limits<std::size_t>::max() / 8 + 2;
  fm::SoA<double> soa;
  soa.push_back(1.5);
  const std::size_t capacity = soa.capacity();
  const std::size_t reserved = soa.bytes_reserved();
  CHECK_THROWS_WITH_AS(soa.reserve(rows), doctest::Contains("out of memory in 'soa'"), fm::out_of_memory);
  CHECK_THROWS_WITH_AS(soa.reserve(rows), doctest::Contains((std::to_string(rows) + " rows").c_str()),
                       fm::out_of_memory);
  CHECK_FALSE(soa.try_reserve(rows));
  CHECK_FALSE(soa.try_reserve(std::numeric_limits<std::size_t>::max()));
  CHECK(soa.capacity() == capacity);
  CHECK(soa.bytes_reserved() == reserved);
  REQUIRE(soa.size() == 1);
  CHECK(soa.column<double>()[0] == 1.5);
  fm::SoA<double, char> named(fm::AllocatorRef{}, "trails");
  CHECK(fm::SoA<double, char>::max_size() == (std::numeric_limits<std::size_t>::max() - 2 * 63) / 9);
  CHECK_THROWS_WITH_AS(named.reserve(fm::SoA<double, char>::max_size() + 1),
                       doctest::Contains("out of memory in 'trails'"), fm::out_of_memory);
  CHECK(named.capacity() == 0);
}

// Moving: an SoA is returned from a factory and kept in a growing std::vector like any value.
static_assert(std::is_nothrow_move_constructible_v<Bodies> && std::is_nothrow_move_assignable_v<Bodies>);
static_assert(!std::is_copy_constructible_v<Bodies> && !std::is_copy_assignable_v<Bodies>);

namespace {
// Rows first.. first + count - 1 (see push), returned by value; `alloc` null: the container's own heap.
Bodies bodies(fm::AllocatorRef alloc, int first, int count) {
  Bodies b(alloc, "bodies " + std::to_string(first));
  for (int i = first; i < first + count; ++i) push(b, i);
  return b;
}

void check_rows(const Bodies& b, int first) {
  for (std::size_t r = 0; r < b.size(); ++r) {
    const int i = first + static_cast<int>(r);
    CHECK(b.column<Position>()[r].x == float(i));
    CHECK(b.column<Name>()[r].text == "body " + std::to_string(i));
  }
}
}  // namespace

TEST_CASE("SoAs in a reallocating vector keep their rows, grow and report misuse") {
  std::vector<Bodies> all;
  for (int i = 0; i < 30; ++i) all.push_back(bodies({}, 100 * i, 5 + i));
  for (int i = 0; i < 30; ++i) {
    Bodies& b = all[static_cast<std::size_t>(i)];
    CAPTURE(i);
    CHECK(b.name() == "bodies " + std::to_string(100 * i));
    CHECK(b.size() == static_cast<std::size_t>(5 + i));
    check_rows(b, 100 * i);
    // Growth after the move draws from the container's own heap (the moved one, not the old object's).
    for (int k = 0; k < 500; ++k) push(b, 100 * i + 5 + i + k);
    check_rows(b, 100 * i);
    CHECK_THROWS_AS(b.swap_remove(b.size()), std::out_of_range);
    b.swap_remove(0);
    CHECK(b.column<Name>()[0].text == "body " + std::to_string(100 * i + 504 + i));
  }
}

TEST_CASE("move-assigning over an SoA gives its block back first; self-move changes nothing") {
  const auto check_bodies = [](const Bodies& b, int first, int count) {
    CHECK(b.size() == static_cast<std::size_t>(count));
    check_rows(b, first);
  };
  fm::test::check_move_assignment_gives_memory_back_first(1000, 5000, bodies, check_bodies);
}

TEST_CASE("a moved-from SoA is empty, can be destroyed, and is used again") {
  fm::test::BudgetAllocator budget;
  auto source = std::make_unique<Bodies>(bodies(budget, 0, 40));
  const std::span<const Name> names = std::as_const(*source).column<Name>();
  Bodies target = std::move(*source);
  CHECK(target.column<Name>().data() == names.data());  // rows were not touched
  CHECK(source->empty());
  CHECK(source->capacity() == 0);
  CHECK(source->bytes_reserved() == 0);
  push(*source, 7);  // from the allocator it had
  CHECK(source->column<Name>()[0].text == "body 7");
  *source = bodies({}, 9, 2);
  check_rows(*source, 9);
  source.reset();
  CHECK(budget.stats().bytes_used == target.bytes_reserved());
  check_rows(target, 0);
}

TEST_CASE("an SoA moved out of a heap object grows from its own heap after that object is gone") {
  auto source = std::make_unique<Bodies>();
  push(*source, 0);
  Bodies target = std::move(*source);
  source.reset();
  for (int i = 1; i < 3000; ++i) push(target, i);
  check_rows(target, 0);
}
