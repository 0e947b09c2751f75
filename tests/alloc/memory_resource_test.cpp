// Specification of fm/alloc/memory_resource.hpp: std::pmr containers over every framemem allocator.
#include "fm/alloc/memory_resource.hpp"

#include <doctest/doctest.h>

#include <list>
#include <map>
#include <memory_resource>
#include <string>
#include <unordered_map>
#include <vector>

#include "fixtures.hpp"
#include "support.hpp"

namespace {

TEST_CASE_TEMPLATE("pmr containers work over MemoryResource", F, fm::test::LinearFixture, fm::test::FrameFixture,
                   fm::test::StackFixture, fm::test::PoolFixture) {
  F fixture;
  auto& a = fixture.allocator;
  fm::MemoryResource resource(a);
  const auto before = a.stats().allocations;
  {
    std::pmr::vector<int> v{&resource};
    for (int i = 0; i < 1000; ++i) v.push_back(i);
    CHECK(v[500] == 500);
    std::pmr::list<std::pmr::string> l{&resource};
    for (int i = 0; i < 100; ++i) l.emplace_back("a string that does not fit in the small buffer " + std::to_string(i));
    CHECK(l.back().get_allocator().resource() == &resource);  // uses-allocator construction reached the element
    std::pmr::map<int, int> m{&resource};
    std::pmr::unordered_map<int, int> h{&resource};
    for (int i = 0; i < 200; ++i) {
      m[i] = i;
      h[i] = -i;
    }
    CHECK(m.size() == 200);
    CHECK(h.at(199) == -199);
    std::pmr::monotonic_buffer_resource nested{1024, &resource};  // resources stack
    std::pmr::vector<char> bytes(5000, 'x', &nested);
    CHECK(bytes.back() == 'x');
  }
  CHECK(a.stats().allocations > before + 500);
  if constexpr (F::gives_back) CHECK(a.stats().bytes_used == 0);
}

TEST_CASE("memory resources compare equal exactly when they share the allocator") {
  fm::Pool p1{32, 8};
  fm::Pool p2{32, 8};
  fm::MemoryResource r1(p1);
  fm::MemoryResource r1_again(p1);
  fm::MemoryResource r2(p2);
  CHECK(r1.is_equal(r1_again));
  CHECK_FALSE(r1.is_equal(r2));
  CHECK_FALSE(r1.is_equal(*std::pmr::new_delete_resource()));
  CHECK(&r1.allocator() == &p1);
}

TEST_CASE("allocation failures come through the resource with the allocator's message") {
  fm::LinearArena arena{{.capacity = 256, .name = "tiny"}};
  fm::MemoryResource resource(arena);
  std::pmr::vector<int> v{&resource};
  CHECK(fm::test::message_of<fm::out_of_memory>([&] { v.resize(1000); }) ==
        "out of memory in 'tiny': requested 4000 bytes aligned to 4, capacity 256 bytes "
        "(arena full, overflow policy is fail)");
  CHECK(v.empty());
}

}  // namespace
