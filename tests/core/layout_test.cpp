// Specification of fm/core/layout.hpp.
#include "fm/core/layout.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <string>

namespace {

struct Data {
  char a;
  int b;
  char c;
};

struct alignas(64) CacheLine {
  std::uint64_t hits;
};

struct Particle {
  float x, y;
  bool alive;
  double age;
  std::uint16_t kind;
  Particle(float px, float py) : x(px), y(py), alive(true), age(0), kind(0) {}  // not default-constructible
};

TEST_CASE("the seed's Data reports 12 bytes, 6 of padding, and 8 after reordering") {
  const auto layout = fm::inspect_layout(fm::field("a", &Data::a), fm::field("b", &Data::b), fm::field("c", &Data::c));
  CHECK(layout.size == 12);
  CHECK(layout.align == 4);
  CHECK(layout.padding == 6);
  CHECK(layout.tail_padding == 3);
  CHECK(layout.reordered_size == 8);
  CHECK(layout.fields[0].name == "a");
  CHECK(layout.fields[1].offset == 4);
  CHECK(layout.fields[1].padding_before == 3);
  CHECK(layout.fields[2].offset == 8);
  CHECK(layout.fields[2].padding_before == 0);
  CHECK(layout.fields[layout.reordered_order[0]].name == "b");
}

TEST_CASE("a 64-byte aligned CacheLine reports 64 bytes aligned to 64") {
  const auto layout = fm::inspect_layout(fm::field("hits", &CacheLine::hits));
  CHECK(layout.size == 64);
  CHECK(layout.align == 64);
  CHECK(layout.padding == 56);
  CHECK(layout.reordered_size == 64);
}

TEST_CASE("fields listed out of order are reported in address order; no object is constructed") {
  const auto layout = fm::inspect_layout(fm::field("kind", &Particle::kind), fm::field("age", &Particle::age),
                                         fm::field("alive", &Particle::alive), fm::field("y", &Particle::y),
                                         fm::field("x", &Particle::x));
  CHECK(layout.size == sizeof(Particle));
  std::string order;
  for (const auto& f : layout.fields) order += std::string(f.name) + " ";
  CHECK(order == "x y alive age kind ");
  CHECK(layout.fields[3].offset == 16);
  CHECK(layout.fields[3].padding_before == 7);
  CHECK(layout.padding == sizeof(Particle) - (4 + 4 + 1 + 8 + 2));
  // age(8) x y(4 4) kind(2) alive(1) = 19 -> 24
  CHECK(layout.reordered_size == 24);
  CHECK(layout.reordered_size < layout.size);
}

}  // namespace
