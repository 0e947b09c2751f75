// Deliberate memory bugs, one per command, run as separate processes by the debug tests (and quoted in
// docs/debugging.md): a leak and a double free caught by fm::Tracking, an overrun caught by fm::Guarded,
// and a use after free inside a pool caught by AddressSanitizer or Valgrind memcheck.
#include <cstdio>
#include <cstring>
#include <string_view>

#include "fm/alloc/pool.hpp"
#include "fm/debug/guarded.hpp"
#include "fm/debug/tracking.hpp"

namespace {

struct Bullet {
  float x, y, dx, dy;
  int damage;
};

// A tracked pool whose blocks are never given back: the tracker prints the leak report when destroyed.
int leak() {
  fm::Tracking<fm::Pool> bullets(sizeof(Bullet), alignof(Bullet), fm::PoolOptions{.name = "bullets"});
  for (int i = 0; i < 3; ++i) {
    auto* b = static_cast<Bullet*>(bullets.allocate(sizeof(Bullet), alignof(Bullet), fm::AllocationTag{"weapons"}));
    b->damage = 10;
  }
  std::puts("leaving with 3 bullets still allocated");
  return 0;
}

// Writes one byte past a 16-byte name; the guard catches it when the name is freed.
int overrun() {
  using Names = fm::Guarded<fm::Pool>;
  Names names(Names::inner_size(16, 1), 16, fm::PoolOptions{.name = "names"});
  char* name = static_cast<char*>(names.allocate(16, 1));
  std::memcpy(name, "player_one_name!", 17);  // 16 characters and the terminator: one byte too many
  try {
    names.deallocate(name, 16, 1);
  } catch (const fm::guard_overwritten& e) {
    std::printf("caught fm::guard_overwritten: %s\n", e.what());
    name[16] = static_cast<char>(fm::fill::guard);  // repair, so the pool can be torn down cleanly
    names.deallocate(name, 16, 1);
    return 3;
  }
  return 0;
}

// Gives the same bullet back twice; the tracker names the block and where it was allocated.
int double_free() {
  fm::Tracking<fm::Pool> bullets(sizeof(Bullet), alignof(Bullet), fm::PoolOptions{.name = "bullets"});
  void* b = bullets.allocate(sizeof(Bullet), alignof(Bullet));
  bullets.deallocate(b, sizeof(Bullet), alignof(Bullet));
  try {
    bullets.deallocate(b, sizeof(Bullet), alignof(Bullet));
  } catch (const fm::bad_free& e) {
    std::printf("caught fm::bad_free: %s\n", e.what());
    return 4;
  }
  return 0;
}

// Reads a bullet after giving its block back to the pool.
int use_after_free() {
  fm::Pool bullets(sizeof(Bullet), alignof(Bullet), fm::PoolOptions{.name = "bullets"});
  auto* b = static_cast<Bullet*>(bullets.allocate(sizeof(Bullet), alignof(Bullet)));
  b->damage = 10;
  void* other = bullets.allocate(sizeof(Bullet), alignof(Bullet));  // keeps the page committed
  bullets.deallocate(b, sizeof(Bullet), alignof(Bullet));
  std::printf("reading a bullet freed into pool '%s'\n", bullets.name().data());
  std::fflush(stdout);
  const volatile int damage = b->damage;  // the bug
  bullets.deallocate(other, sizeof(Bullet), alignof(Bullet));
  return damage == 10 ? 0 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view what = argc == 2 ? argv[1] : "";
  if (what == "leak") return leak();
  if (what == "overrun") return overrun();
  if (what == "double-free") return double_free();
  if (what == "use-after-free") return use_after_free();
  std::fputs("usage: misuse_program leak|overrun|double-free|use-after-free\n", stderr);
  return 2;
}
