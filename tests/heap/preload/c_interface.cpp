// Specification of libframemem_malloc.so's C and C++ interface, in a program linked against it: every
// function resolves to framemem, errors follow the C standard (ENOMEM, EINVAL) and nothing aborts.
#include <dlfcn.h>
#include <doctest/doctest.h>
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "fm/core/align.hpp"
#include "heap/child_process.hpp"

namespace {

// Sizes through a volatile so the compiler cannot fold (or warn about) the impossible requests.
volatile std::size_t huge = SIZE_MAX - 4096;
volatile std::size_t half = SIZE_MAX / 2 + 1;

std::string library_of(const char* symbol) {
  Dl_info info{};
  void* sym = dlsym(RTLD_DEFAULT, symbol);
  return sym != nullptr && dladdr(sym, &info) != 0 && info.dli_fname != nullptr ? info.dli_fname : "";
}

}  // namespace

TEST_CASE("every allocation function of the process resolves to libframemem_malloc") {
  for (const char* symbol : {"malloc", "free", "calloc", "realloc", "reallocarray", "posix_memalign",
                             "aligned_alloc", "memalign", "valloc", "pvalloc", "malloc_usable_size", "_Znwm",
                             "_ZdlPv", "_ZnwmSt11align_val_t", "_ZdlPvmSt11align_val_t"}) {
    CAPTURE(symbol);
    CHECK(library_of(symbol).find("libframemem_malloc") != std::string::npos);
  }
}

TEST_CASE("malloc and free handle zero sizes and null and report usable sizes") {
  void* a = malloc(0);
  void* b = malloc(0);
  CHECK(a != nullptr);
  CHECK(a != b);
  CHECK(malloc_usable_size(a) >= 1);
  CHECK(malloc_usable_size(nullptr) == 0);
  free(a);
  free(b);
  free(nullptr);
  void* p = malloc(1000);
  CHECK(fm::is_aligned(p, alignof(std::max_align_t)));
  CHECK(malloc_usable_size(p) >= 1000);
  free(p);
}

TEST_CASE("impossible sizes fail with ENOMEM instead of aborting") {
  errno = 0;
  CHECK(malloc(huge) == nullptr);
  CHECK(errno == ENOMEM);
  errno = 0;
  CHECK(calloc(half, 2) == nullptr);  // overflows size_t
  CHECK(errno == ENOMEM);
  void* p = malloc(16);
  std::memcpy(p, "framemem", 9);
  errno = 0;
  CHECK(realloc(p, huge) == nullptr);
  CHECK(errno == ENOMEM);
  CHECK(std::strcmp(static_cast<char*>(p), "framemem") == 0);  // the old block is untouched
  errno = 0;
  CHECK(reallocarray(p, half, 2) == nullptr);
  CHECK(errno == ENOMEM);
  free(p);
}

TEST_CASE("calloc zeroes and realloc keeps contents across small and large sizes") {
  auto* z = static_cast<unsigned char*>(calloc(1000, 3));
  for (int i = 0; i < 3000; ++i) REQUIRE(z[i] == 0);
  free(z);
  auto* s = static_cast<unsigned char*>(malloc(10));
  for (int i = 0; i < 10; ++i) s[i] = static_cast<unsigned char>(i);
  for (std::size_t n = 20; n < (std::size_t{8} << 20); n *= 3) {
    s = static_cast<unsigned char*>(realloc(s, n));
    REQUIRE(s != nullptr);
    for (int i = 0; i < 10; ++i) REQUIRE(s[i] == i);
  }
  s = static_cast<unsigned char*>(reallocarray(s, 5, 2));
  for (int i = 0; i < 10; ++i) REQUIRE(s[i] == i);
  free(s);
}

TEST_CASE("posix_memalign, aligned_alloc, memalign, valloc and pvalloc follow glibc's rules") {
  void* p = nullptr;
  void* const untouched = &p;
  p = untouched;
  CHECK(posix_memalign(&p, 3, 16) == EINVAL);
  CHECK(posix_memalign(&p, sizeof(void*) / 2, 16) == EINVAL);
  CHECK(posix_memalign(&p, 64, huge) == ENOMEM);
  CHECK(p == untouched);
  REQUIRE(posix_memalign(&p, 4096, 100) == 0);
  CHECK(fm::is_aligned(p, 4096));
  free(p);
  errno = 0;
  // Bad alignments on purpose, through a volatile: clang warns about a constant one at compile time.
  volatile std::size_t not_pow2 = 24;
  CHECK(aligned_alloc(not_pow2, 48) == nullptr);
  CHECK(errno == EINVAL);
  void* q = aligned_alloc(1 << 21, 1 << 21);
  CHECK(fm::is_aligned(q, 1 << 21));
  free(q);
  void* m = memalign(2 * not_pow2, 10);  // 48, rounded up to 64 like glibc
  CHECK(fm::is_aligned(m, 64));
  free(m);
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  void* v = valloc(10);
  CHECK(fm::is_aligned(v, page));
  free(v);
  void* pv = pvalloc(1);
  CHECK(fm::is_aligned(pv, page));
  CHECK(malloc_usable_size(pv) >= page);
  free(pv);
}

namespace {
struct alignas(256) Wide {
  unsigned char bytes[300];
};
int handler_calls = 0;
void count_and_give_up() {
  ++handler_calls;
  std::set_new_handler(nullptr);
}
}  // namespace

TEST_CASE("operator new forms: aligned, nothrow, the new-handler and bad_alloc") {
  auto* w = new Wide[3];
  CHECK(fm::is_aligned(w, 256));
  delete[] w;
  auto* one = new Wide;
  CHECK(fm::is_aligned(one, 256));
  delete one;
  CHECK(::operator new(huge, std::nothrow) == nullptr);
  CHECK(::operator new[](huge, std::align_val_t{64}, std::nothrow) == nullptr);
  std::set_new_handler(count_and_give_up);
  CHECK_THROWS_AS((void)::operator new(huge), std::bad_alloc);
  CHECK(handler_calls == 1);
  void* sized = ::operator new(40);
  ::operator delete(sized, 40);
  void* aligned = ::operator new(40, std::align_val_t{128});
  CHECK(fm::is_aligned(aligned, 128));
  ::operator delete(aligned, 40, std::align_val_t{128});
}

TEST_CASE("blocks from one thread are freed by another") {
  std::vector<void*> blocks(2000);
  std::thread producer([&] {
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      blocks[i] = malloc(i % 700 + 1);
      std::memset(blocks[i], 0x11, i % 700 + 1);
    }
  });
  producer.join();
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    REQUIRE(static_cast<unsigned char*>(blocks[i])[i % 700] == 0x11);
    free(blocks[i]);
  }
}

TEST_CASE("malloc_usable_size of a pointer into a page no size class was lent is 0, not a crash") {
  // A 200 KiB block takes the first 2 MiB page of its class's own segment; the second page stays unlent.
  // The old heap divided by that page's block size, 0 (SIGFPE): hence the child process.
  const fm::test::ChildResult child = fm::test::run_in_child([] {
    void* p = malloc(200 * 1024);
    auto* segment = reinterpret_cast<char*>(reinterpret_cast<std::uintptr_t>(p) & ~((std::uintptr_t{1} << 22) - 1));
    const std::size_t unlent = malloc_usable_size(segment + (std::size_t{2} << 20) + 64);
    const std::size_t header = malloc_usable_size(segment + 8);
    free(p);
    return unlent == 0 && header == 0 ? 0 : 1;
  });
  INFO(child.describe());
  CHECK(child.exited_with(0));
}
