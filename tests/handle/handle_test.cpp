// Specification of fm/handle/handle.hpp: null, comparison, hashing and printing of generational handles.
#include "fm/handle/handle.hpp"

#include <doctest/doctest.h>

#include <sstream>
#include <type_traits>
#include <unordered_set>

namespace {
struct Particle {
  static constexpr std::string_view handle_name = "particle";
};
struct Unnamed {};
}  // namespace

TEST_CASE("a default handle is null; generation 0 means null whatever the index") {
  constexpr fm::Handle<Particle> h;
  static_assert(h.is_null() && !h);
  CHECK(fm::Handle<Particle>(7, 0).is_null());
  CHECK(fm::Handle<Particle>(0, 1));
}

TEST_CASE("handles are 8 trivially copyable bytes that round-trip through bits()") {
  static_assert(sizeof(fm::Handle<Particle>) == 8);
  static_assert(std::is_trivially_copyable_v<fm::Handle<Particle>>);
  const fm::Handle<Particle> h(12, 3);
  CHECK(h.bits() == ((std::uint64_t{3} << 32) | 12));
  CHECK(fm::Handle<Particle>::from_bits(h.bits()) == h);
  const fm::Handle<Particle> tagged(12, 3, 7);
  CHECK(tagged.bits() == ((std::uint64_t{7} << 56) | (std::uint64_t{3} << 32) | 12));
  CHECK(fm::Handle<Particle>::from_bits(tagged.bits()) == tagged);
}

TEST_CASE("a handle keeps 24 bits of generation and its pool's tag apart") {
  const fm::Handle<Particle> h(5, fm::Handle<Particle>::max_generation, 200);
  CHECK(h.index() == 5);
  CHECK(h.generation() == 16777215U);
  CHECK(h.pool() == 200);
  CHECK(h != fm::Handle<Particle>(5, fm::Handle<Particle>::max_generation, 201));  // same slot, other pool
  CHECK(fm::Handle<Particle>(5, 0, 9).is_null());  // generation 0 is null whatever the pool
  CHECK(fm::Handle<Particle>(5, 1).pool() == 0);   // made by hand: no pool issues tag 0
}

TEST_CASE("handles compare by index then generation") {
  const fm::Handle<Particle> a(1, 5), b(1, 6), c(2, 1);
  CHECK(a == fm::Handle<Particle>(1, 5));
  CHECK(a != b);
  CHECK(a < b);
  CHECK(b < c);
}

TEST_CASE("handles hash by both halves") {
  const std::hash<fm::Handle<Particle>> hash;
  CHECK(hash({1, 1}) != hash({1, 2}));
  CHECK(hash({1, 1}) != hash({2, 1}));
  std::unordered_set<fm::Handle<Particle>> set;
  for (std::uint32_t i = 0; i < 100; ++i)
    for (std::uint32_t g = 1; g < 10; ++g) set.insert({i, g});
  CHECK(set.size() == 900);
  CHECK(set.count({42, 7}) == 1);
  CHECK(set.count({42, 10}) == 0);
}

TEST_CASE("handles print as label#index@generation") {
  CHECK(fm::to_string(fm::Handle<Particle>(12, 3)) == "particle#12@3");
  CHECK(fm::to_string(fm::Handle<Unnamed>(4294967295U, 16777215U, 255)) == "handle#4294967295@16777215");
  CHECK(fm::to_string(fm::Handle<Particle>()) == "particle#null");
  std::ostringstream os;
  os << fm::Handle<Particle>(0, 1);
  CHECK(os.str() == "particle#0@1");
}

TEST_CASE("to_chars reports a buffer that is too small instead of overflowing it") {
  const fm::Handle<Particle> h(12, 3);  // "particle#12@3": 13 characters
  char buffer[13];
  CHECK(fm::to_chars(buffer, buffer + 12, h) == nullptr);
  CHECK(fm::to_chars(buffer, buffer + 8, h) == nullptr);
  char* end = fm::to_chars(buffer, buffer + 13, h);
  REQUIRE(end == buffer + 13);
  CHECK(std::string_view(buffer, 13) == "particle#12@3");
}
