// Specification of fm/alloc/std_allocator.hpp: every standard container named in the issue over every
// framemem allocator, and allocator propagation on copy, move and swap.
#include "fm/alloc/std_allocator.hpp"

#include <doctest/doctest.h>

#include <list>
#include <map>
#include <numeric>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fixtures.hpp"

namespace {

template <class T, class A>
using Vector = std::vector<T, fm::StdAllocator<T, A>>;
template <class T, class A>
using List = std::list<T, fm::StdAllocator<T, A>>;
template <class K, class V, class A>
using Map = std::map<K, V, std::less<K>, fm::StdAllocator<std::pair<const K, V>, A>>;
template <class K, class V, class A>
using HashMap = std::unordered_map<K, V, std::hash<K>, std::equal_to<K>, fm::StdAllocator<std::pair<const K, V>, A>>;
template <class A>
using String = std::basic_string<char, std::char_traits<char>, fm::StdAllocator<char, A>>;

TEST_CASE_TEMPLATE("standard containers work over StdAllocator", F, fm::test::LinearFixture, fm::test::FrameFixture,
                   fm::test::StackFixture, fm::test::PoolFixture) {
  F fixture;
  auto& a = fixture.allocator;
  using A = std::remove_reference_t<decltype(a)>;
  const auto before = a.stats().allocations;
  {
    Vector<int, A> v{fm::StdAllocator<int, A>(a)};
    for (int i = 0; i < 1000; ++i) v.push_back(i);
    CHECK(std::accumulate(v.begin(), v.end(), 0) == 999 * 1000 / 2);

    List<int, A> l{fm::StdAllocator<int, A>(a)};
    for (int i = 0; i < 300; ++i) l.push_front(i);
    CHECK(l.front() == 299);
    CHECK(l.size() == 300);

    Map<int, std::string, A> m{fm::StdAllocator<std::pair<const int, std::string>, A>(a)};
    for (int i = 0; i < 300; ++i) m.emplace(i, std::to_string(i));
    m.erase(7);
    CHECK(m.size() == 299);
    CHECK(m.at(123) == "123");

    HashMap<int, int, A> h{fm::StdAllocator<std::pair<const int, int>, A>(a)};
    for (int i = 0; i < 300; ++i) h[i] = i * i;
    CHECK(h.at(17) == 289);

    String<A> s{fm::StdAllocator<char, A>(a)};
    for (int i = 0; i < 100; ++i) s += "frame ";
    CHECK(s.size() == 600);
    CHECK(std::string_view(s).substr(0, 6) == "frame ");
  }
  CHECK(a.stats().allocations > before + 600);
  if constexpr (F::gives_back) CHECK(a.stats().bytes_used == 0);
}

TEST_CASE("the seed's std::vector<int, PoolAllocator<int>> works with fm::Pool") {
  fm::Pool pool{sizeof(int), alignof(int), {.name = "ints"}};
  std::vector<int, fm::StdAllocator<int, fm::Pool>> v{fm::StdAllocator<int, fm::Pool>(pool)};
  v.push_back(42);  // one int: a pool block
  CHECK(pool.owns(v.data()));
  for (int i = 0; i < 100; ++i) v.push_back(i);  // n > 1: the pool's parent
  CHECK_FALSE(pool.owns(v.data()));
  CHECK(v.front() == 42);
  CHECK(pool.pool_stats().oversize_bytes == v.capacity() * sizeof(int));
}

TEST_CASE("StdAllocators are equal exactly when they share the underlying allocator, across rebinds") {
  fm::Pool p1{32, 8};
  fm::Pool p2{32, 8};
  fm::StdAllocator<int, fm::Pool> a1(p1);
  fm::StdAllocator<double, fm::Pool> rebound(a1);
  CHECK(a1 == rebound);
  CHECK(&rebound.allocator() == &p1);
  CHECK(a1 != fm::StdAllocator<int, fm::Pool>(p2));
  using Traits = std::allocator_traits<fm::StdAllocator<int, fm::Pool>>;
  static_assert(std::is_same_v<Traits::rebind_alloc<char>, fm::StdAllocator<char, fm::Pool>>);
  static_assert(!Traits::is_always_equal::value);
}

TEST_CASE("the allocator travels with the memory on copy assignment, move assignment and swap") {
  fm::Pool p1{64, 16, {.name = "one"}};
  fm::Pool p2{64, 16, {.name = "two"}};
  using Alloc = fm::StdAllocator<int, fm::Pool>;
  using Vec = std::vector<int, Alloc>;

  Vec a({1, 2, 3}, Alloc(p1));
  Vec copy(a);  // copy construction keeps the source's allocator
  CHECK(copy.get_allocator() == a.get_allocator());

  Vec b({9}, Alloc(p2));
  b = a;  // copy assignment propagates
  CHECK(&b.get_allocator().allocator() == &p1);
  CHECK(b == a);

  Vec c({7, 8}, Alloc(p2));
  const int* data = a.data();
  c = std::move(a);  // move assignment propagates and steals the buffer
  CHECK(&c.get_allocator().allocator() == &p1);
  CHECK(c.data() == data);

  Vec d({5}, Alloc(p2));
  c.swap(d);  // swap exchanges the allocators with the buffers
  CHECK(&c.get_allocator().allocator() == &p2);
  CHECK(&d.get_allocator().allocator() == &p1);
  CHECK(d.data() == data);
}

TEST_CASE("StdAllocator reports an impossible element count") {
  fm::LinearArena arena{{.capacity = 1024}};
  fm::StdAllocator<std::uint64_t, fm::LinearArena> alloc(arena);
  CHECK_THROWS_AS((void)alloc.allocate(std::numeric_limits<std::size_t>::max() / 4), std::bad_array_new_length);
  CHECK_THROWS_AS((void)alloc.allocate(1000), fm::out_of_memory);
  CHECK(arena.bytes_used() == 0);
}

}  // namespace
