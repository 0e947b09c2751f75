// Specification of fm/debug/heap_counter.hpp with fm::new_counter linked (this executable links it).
#include "fm/debug/heap_counter.hpp"

#include <doctest/doctest.h>

#include <limits>
#include <memory>

#include "fm/core/align.hpp"
#include <new>
#include <vector>

namespace {

fm::heap_counter::Counts since(const fm::heap_counter::Counts& before) {
  const auto now = fm::heap_counter::read();
  return {now.allocations - before.allocations, now.deallocations - before.deallocations, now.bytes - before.bytes};
}

struct alignas(64) Wide {
  unsigned char bytes[64];
};

// new-expressions whose result is unused may be elided; passing the pointer through a volatile keeps them.
template <class T>
T* kept(T* p) {
  static T* volatile sink;
  sink = p;
  return sink;
}

}  // namespace

TEST_CASE("the counting operator new is installed when fm::new_counter is linked") {
  CHECK(fm::heap_counter::installed());
}

TEST_CASE("every form of operator new and delete is counted with its bytes") {
  const auto before = fm::heap_counter::read();
  delete kept(new int(7));
  delete[] kept(new char[100]);
  delete kept(new Wide);  // aligned new/delete
  ::operator delete(kept(::operator new(33, std::nothrow)));
  ::operator delete(kept(::operator new(40, std::align_val_t{128}, std::nothrow)), std::align_val_t{128});
  const auto d = since(before);
  CHECK(d.allocations == 5);
  CHECK(d.deallocations == 5);
  CHECK(d.bytes == sizeof(int) + 100 + sizeof(Wide) + 33 + 40);
}

TEST_CASE("aligned new honours the alignment") {
  auto w = std::make_unique<Wide[]>(3);
  CHECK(fm::is_aligned(w.get(), 64));
}

TEST_CASE("a vector growing to 1000 ints shows its reallocations in the counts") {
  const auto before = fm::heap_counter::read();
  {
    std::vector<int> v;
    for (int i = 0; i < 1000; ++i) v.push_back(i);
    CHECK(v.back() == 999);
  }
  const auto d = since(before);
  CHECK(d.allocations >= 2);
  CHECK(d.allocations == d.deallocations);
  CHECK(d.bytes >= 1000 * sizeof(int));
}

TEST_CASE("deleting null is not counted") {
  const auto before = fm::heap_counter::read();
  int* none = nullptr;
  delete none;
  CHECK(since(before).deallocations == 0);
}

TEST_CASE("a huge aligned operator new fails instead of returning a block smaller than asked") {
  // volatile: a constant size this large would be a compile-time warning, and the point is the run time.
  const volatile std::size_t huge = std::numeric_limits<std::size_t>::max() - 8;
  const auto before = fm::heap_counter::read();
  void* p = ::operator new(huge, std::align_val_t{64}, std::nothrow);
  const auto counted = since(before);
  CHECK(p == nullptr);
  CHECK(counted.allocations == 0);
  CHECK_THROWS_AS(::operator delete(::operator new(huge, std::align_val_t{64}), std::align_val_t{64}), std::bad_alloc);
}
