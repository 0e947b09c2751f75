// Specification of fm/cache/cache_simulator.hpp: exact hit/miss counts on known traces, and agreement
// with a simple reference model on random traces.
#include "fm/cache/cache_simulator.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <list>
#include <random>
#include <stdexcept>
#include <vector>

namespace {

// L1d: 1 KiB, 64-byte lines, 2-way = 8 sets. L2: 4 KiB, 64-byte lines, 4-way = 16 sets.
constexpr fm::CacheGeometry small{{1024, 64, 2}, {4096, 64, 4}, false};

void stream(fm::CacheSimulator& sim, std::uintptr_t base, std::size_t bytes, std::size_t stride, std::size_t size) {
  for (std::size_t off = 0; off < bytes; off += stride) sim.access(base + off, size);
}

}  // namespace

TEST_CASE("a sequential 4-byte scan misses once per line, and L2 holds what L1d cannot") {
  fm::CacheSimulator sim(small);
  stream(sim, 0x10000, 4096, 4, 4);
  CHECK(sim.l1d().accesses == 1024);
  CHECK(sim.l1d().misses == 64);
  CHECK(sim.l1d().miss_rate() == doctest::Approx(1.0 / 16));
  CHECK(sim.l2().accesses == 64);
  CHECK(sim.l2().misses == 64);

  sim.reset_counts();
  stream(sim, 0x10000, 4096, 4, 4);  // 4 KiB again: too big for L1d, exactly L2's size
  CHECK(sim.l1d().misses == 64);
  CHECK(sim.l2().accesses == 64);
  CHECK(sim.l2().misses == 0);
}

TEST_CASE("a stride of one line misses on every access, until the lines fit in L1d") {
  fm::CacheSimulator sim(small);
  stream(sim, 0, 1024, 64, 8);  // 16 lines = L1d's capacity
  CHECK(sim.l1d().accesses == 16);
  CHECK(sim.l1d().misses == 16);
  sim.reset_counts();
  stream(sim, 0, 1024, 64, 8);
  CHECK(sim.l1d().misses == 0);
  CHECK(sim.l2().accesses == 0);
}

TEST_CASE("three lines mapping to one 2-way set evict each other every time under LRU") {
  fm::CacheSimulator sim(small);
  const std::size_t set_stride = 8 * 64;  // sets * line: same L1d set
  for (int round = 0; round < 10; ++round) {
    for (std::uintptr_t i = 0; i < 3; ++i) sim.access(i * set_stride, 4);
  }
  CHECK(sim.l1d().accesses == 30);
  CHECK(sim.l1d().misses == 30);
  CHECK(sim.l2().accesses == 30);
  CHECK(sim.l2().misses == 3);  // in L2 (16 sets, 4 ways) they fit

  sim.reset();
  for (int round = 0; round < 10; ++round) {
    for (std::uintptr_t i = 0; i < 2; ++i) sim.access(i * set_stride, 4);
  }
  CHECK(sim.l1d().misses == 2);  // two of them fit the two ways
}

TEST_CASE("an access straddling two lines is one reference that misses once, and looks up both lines") {
  fm::CacheSimulator sim(small);
  sim.access(60, 8);
  CHECK(sim.l1d().accesses == 1);
  CHECK(sim.l1d().misses == 1);
  CHECK(sim.l2().accesses == 2);
  sim.access(64, 4);
  CHECK(sim.l1d().misses == 1);
}

TEST_CASE("replay of a recorded trace equals direct accesses, and the trace buffer never grows") {
  fm::AccessTrace trace(100);
  std::vector<int> data(200);
  for (int& x : data) trace.record(&x, sizeof x);
  CHECK(trace.accesses().size() == 100);
  CHECK(trace.dropped() == 100);
  CHECK(trace.capacity() == 100);

  fm::CacheSimulator replayed(small);
  replayed.replay(trace.accesses());
  fm::CacheSimulator direct(small);
  for (int i = 0; i < 100; ++i) direct.access(&data[static_cast<std::size_t>(i)], sizeof(int));
  CHECK(replayed.l1d().accesses == direct.l1d().accesses);
  CHECK(replayed.l1d().misses == direct.l1d().misses);
  CHECK(replayed.l2().misses == direct.l2().misses);
  trace.clear();
  CHECK(trace.accesses().empty());
  CHECK(trace.dropped() == 0);
}

TEST_CASE("an invalid geometry is rejected with the numbers in the message") {
  CHECK_THROWS_WITH_AS(fm::CacheSimulator({{1000, 64, 2}, {4096, 64, 4}, false}),
                       "cache simulator: invalid geometry (1000 bytes, 64-byte lines, 2 ways): size must be a "
                       "non-zero multiple of line size times ways",
                       std::invalid_argument);
}

// Reference: per set a std::list in recency order, line by line; counts as the simulator defines them.
struct ReferenceCache {
  std::size_t sets, ways;
  std::vector<std::list<std::uintptr_t>> lru;
  ReferenceCache(std::size_t s, std::size_t w) : sets(s), ways(w), lru(s) {}
  bool touch(std::uintptr_t line) {
    auto& l = lru[line % sets];
    const auto it = std::find(l.begin(), l.end(), line);
    const bool hit = it != l.end();
    if (hit) l.erase(it);
    l.push_front(line);
    if (l.size() > ways) l.pop_back();
    return hit;
  }
};

TEST_CASE("random traces give the same counts as a reference LRU model") {
  for (const unsigned seed : {1u, 2u, 3u, 4u}) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    fm::CacheSimulator sim(small);
    ReferenceCache l1(8, 2), l2(16, 4);
    std::uint64_t l1_misses = 0, l2_misses = 0;
    for (int i = 0; i < 20000; ++i) {
      const std::uintptr_t address = rng() % 16384;
      sim.access(address, 4);
      const std::uintptr_t first = address / 64, last = (address + 3) / 64;
      bool miss = false;
      for (auto line = first; line <= last; ++line) {
        if (!l1.touch(line)) {
          miss = true;
          if (!l2.touch(line)) ++l2_misses;
        }
      }
      l1_misses += miss;
    }
    CHECK(sim.l1d().misses == l1_misses);
    CHECK(sim.l2().misses == l2_misses);
  }
}
