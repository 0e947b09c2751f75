// Specification of the OS layer (engine/src/os/os.hpp), the same on every system: what the heap relies on
// from virtual memory, word waits and thread-exit callbacks.
#include "os/os.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>

namespace {

bool all_bytes(const char* p, std::size_t n, char value) {
  for (std::size_t i = 0; i < n; ++i) {
    if (p[i] != value) return false;
  }
  return true;
}

constexpr std::size_t mib = std::size_t{1} << 20;

}  // namespace

TEST_CASE("mappings are aligned as asked, zero, writable, and released") {
  const std::size_t page = fm::os::page_size();
  REQUIRE(page >= 4096);
  CHECK((page & (page - 1)) == 0);
  for (const std::size_t align : {page, std::size_t{64} << 10, 4 * mib, 32 * mib}) {
    CAPTURE(align);
    auto* p = static_cast<char*>(fm::os::map_aligned(3 * page, align));
    REQUIRE(p != nullptr);
    CHECK(reinterpret_cast<std::uintptr_t>(p) % align == 0);
    CHECK(all_bytes(p, 3 * page, 0));
    std::memset(p, 0x5a, 3 * page);
    CHECK(all_bytes(p, 3 * page, 0x5a));
    fm::os::unmap(p, 3 * page);
  }
}

TEST_CASE("a decommitted range stays usable and reads as zero, and its neighbours keep their bytes") {
  const std::size_t page = fm::os::page_size();
  auto* p = static_cast<char*>(fm::os::map_aligned(8 * page, page));
  REQUIRE(p != nullptr);
  std::memset(p, 0x33, 8 * page);
  fm::os::decommit(p + 2 * page, 4 * page);
  CHECK(all_bytes(p, 2 * page, 0x33));
  CHECK(all_bytes(p + 2 * page, 4 * page, 0));
  CHECK(all_bytes(p + 6 * page, 2 * page, 0x33));
  std::memset(p + 2 * page, 0x44, 4 * page);  // writable again without any other call
  CHECK(all_bytes(p + 2 * page, 4 * page, 0x44));
  fm::os::unmap(p, 8 * page);
}

TEST_CASE("a reserved range is aligned, parts of it committed become zero writable memory, and it is released whole") {
  auto* p = static_cast<char*>(fm::os::reserve_aligned(64 * mib, 4 * mib));
  REQUIRE(p != nullptr);
  CHECK(reinterpret_cast<std::uintptr_t>(p) % (4 * mib) == 0);
  REQUIRE(fm::os::commit(p + 8 * mib, 4 * mib));
  CHECK(all_bytes(p + 8 * mib, 4 * mib, 0));
  std::memset(p + 8 * mib, 0x6b, 4 * mib);
  CHECK(all_bytes(p + 8 * mib, 4 * mib, 0x6b));
  REQUIRE(fm::os::commit(p + 60 * mib, 4 * mib));  // another part, up to the range's end
  std::memset(p + 60 * mib, 0x2c, 4 * mib);
  CHECK(all_bytes(p + 8 * mib, 4 * mib, 0x6b));
  fm::os::decommit(p + 8 * mib, 4 * mib);  // committed parts decommit like any mapping
  CHECK(all_bytes(p + 8 * mib, 4 * mib, 0));
  CHECK(all_bytes(p + 60 * mib, 4 * mib, 0x2c));
  fm::os::unmap(p, 64 * mib);
}

TEST_CASE("remapping keeps the bytes both sizes hold, growing to an aligned range and shrinking") {
  const std::size_t page = fm::os::page_size();
  auto* p = static_cast<char*>(fm::os::map_aligned(4 * page, 4 * mib));
  REQUIRE(p != nullptr);
  std::memset(p, 0x21, 4 * page);
  auto* grown = static_cast<char*>(fm::os::remap_aligned(p, 4 * page, 2 * mib, 4 * mib, 4 * page));
  REQUIRE(grown != nullptr);
  CHECK(reinterpret_cast<std::uintptr_t>(grown) % (4 * mib) == 0);
  CHECK(all_bytes(grown, 4 * page, 0x21));
  CHECK(all_bytes(grown + 4 * page, 2 * mib - 4 * page, 0));
  grown[2 * mib - 1] = 1;
  auto* shrunk = static_cast<char*>(fm::os::remap_aligned(grown, 2 * mib, 2 * page, 4 * mib, 2 * page));
  REQUIRE(shrunk != nullptr);
  CHECK(all_bytes(shrunk, 2 * page, 0x21));
  fm::os::unmap(shrunk, 2 * page);
}

TEST_CASE("a waiter on a word wakes once the word changes and wake_one is called") {
  std::atomic<std::uint32_t> word{1};
  std::atomic<bool> woke{false};
  std::thread waiter([&] {
    while (word.load() == 1) fm::os::wait_while(word, 1);  // wait_while may return spuriously
    woke = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK_FALSE(woke.load());
  word = 0;
  fm::os::wake_one(word);
  waiter.join();
  CHECK(woke.load());
}

namespace {
std::atomic<int> exit_calls{0};
std::atomic<void*> exit_value{nullptr};
void note_exit(void* value) {
  exit_value = value;
  ++exit_calls;
}
}  // namespace

TEST_CASE("a thread's exit callback runs once with the value that thread set, and not for threads that set none") {
  fm::os::ThreadKey key;
  REQUIRE(fm::os::create_thread_key(key, note_exit));
  static int marker = 0;
  std::thread([&] {
    CHECK(fm::os::thread_value(key) == nullptr);
    fm::os::set_thread_value(key, &marker);
    CHECK(fm::os::thread_value(key) == &marker);
  }).join();
  CHECK(exit_calls.load() == 1);
  CHECK(exit_value.load() == &marker);
  std::thread([] {}).join();
  CHECK(exit_calls.load() == 1);
}

TEST_CASE("this machine's cache geometry is valid, from the OS or the fallback") {
  const fm::CacheGeometry g = fm::os::cache_geometry();
  CHECK(g.l1d.valid());
  CHECK(g.l2.valid());
}
