// Built with -fno-exceptions against a framemem built without exceptions (FM_EXCEPTIONS=OFF), as a game
// without exceptions builds: every error reaches the handler of fm::set_error_handler, and every try_ twin
// answers its failure itself, without the handler. The mode (first argument) picks what to show.
#include <fm/alloc/frame_arena.hpp>
#include <fm/alloc/linear_arena.hpp>
#include <fm/alloc/pool.hpp>
#include <fm/alloc/stack_allocator.hpp>
#include <fm/debug/guarded.hpp>
#include <fm/debug/tracking.hpp>
#include <fm/handle/handle_pool.hpp>
#include <fm/heap/heap.hpp>
#include <fm/soa/sparse_set.hpp>
#include <fm/system/memory_system.hpp>

#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#if FM_EXCEPTIONS
#error "this program is for a framemem built with FM_EXCEPTIONS=OFF"
#endif

namespace {

constexpr std::size_t huge = std::numeric_limits<std::size_t>::max() / 2;

[[noreturn]] void unexpected_error(const std::exception& e) {
  std::printf("the handler was called: %s\n", e.what());
  std::exit(9);
}

int failures = 0;
void expect(bool ok, const char* what) {
  if (!ok) {
    std::printf("FAILED: %s\n", what);
    ++failures;
  }
}

// Every try_ twin of a failing call answers null/false and the handler is never called.
int try_forms() {
  fm::set_error_handler(&unexpected_error);
  fm::Pool pool(32, 16, {.budget = 4096, .name = "bullets"});
  expect(pool.try_allocate(32, 3) == nullptr, "Pool::try_allocate with a bad alignment");
  expect(pool.try_allocate(huge, 16) == nullptr, "Pool::try_allocate beyond its budget");
  fm::LinearArena arena({.capacity = 256, .name = "scratch"});
  expect(arena.try_allocate(1024) == nullptr, "LinearArena::try_allocate beyond its capacity");
  fm::StackAllocator stack({.capacity = 256, .name = "stack"});
  expect(stack.try_allocate(1024) == nullptr, "StackAllocator::try_allocate beyond its capacity");
  fm::FrameArena frame({.capacity = 256, .name = "frame"});
  expect(frame.try_allocate(huge) == nullptr, "FrameArena::try_allocate of more than any chunk");
  fm::Heap heap("heap");
  expect(heap.try_allocate(64, 24) == nullptr, "Heap::try_allocate with a bad alignment");
  fm::Tracking<fm::Pool> tracked(32, 16, fm::PoolOptions{.budget = 4096, .name = "tracked"});
  expect(tracked.try_allocate(huge, 16) == nullptr, "Tracking<Pool>::try_allocate beyond the budget");
  fm::Guarded<fm::NewAllocator> guarded;
  expect(guarded.try_allocate(huge, 16) == nullptr, "Guarded::try_allocate of more than any block");

  fm::HandlePool<int> handles;
  const fm::Handle<int> h = handles.create(7);
  expect(handles.try_destroy(h), "HandlePool::try_destroy of a live handle");
  expect(!handles.try_destroy(h), "HandlePool::try_destroy of a stale handle");
  expect(handles.get(h) == nullptr, "HandlePool::get of a stale handle");
  fm::SparseSet<int, float> set;
  expect(!set.try_emplace(fm::Handle<int>{}, 1.0f), "SparseSet::try_emplace of a null handle");

  fm::MemorySystem ms;
  expect(ms.try_add_pool("bullets", pool, 4096), "MemorySystem::try_add_pool");
  expect(!ms.try_add_pool("bullets", pool, 4096), "MemorySystem::try_add_pool of a name taken");
  expect(!ms.try_add_scope("a//b"), "MemorySystem::try_add_scope of a malformed name");
  expect(!ms.try_system("nobody"), "MemorySystem::try_system of an unknown name");
  if (failures == 0) std::printf("every try_ form answered without the handler\n");
  return failures == 0 ? 0 : 1;
}

// The default handler prints the message the exception would carry and aborts.
int default_handler() {
  fm::Pool pool(32, 16, {.name = "bullets"});
  (void)pool.allocate(32, 3);
  std::printf("allocate returned\n");
  return 0;
}

// A handler of the game's own sees the error (here it ends the program its own way).
[[noreturn]] void game_handler(const std::exception& e) {
  std::printf("game handler: %s\n", e.what());
  std::fflush(stdout);
  std::_Exit(3);
}

int own_handler() {
  fm::set_error_handler(&game_handler);
  fm::Pool pool(32, 16, {.budget = 4096, .name = "bullets"});
  (void)pool.allocate(huge, 16);
  return 0;
}

// A handler that returns cannot make the failed call succeed: framemem aborts.
void returning_handler(const std::exception& e) {
  std::printf("returning handler: %s\n", e.what());
  std::fflush(stdout);
}

int handler_returns() {
  fm::set_error_handler(&returning_handler);
  fm::HandlePool<int> handles;
  const fm::Handle<int> h = handles.create(1);
  handles.destroy(h);
  handles.destroy(h);
  std::printf("destroy returned\n");
  return 0;
}

// Names a refused free as the caller sees it, without a catch to rename the error of the layer below: the
// handler hears the guard layer's size mismatch, not the pool's.
[[noreturn]] void print_and_exit(const std::exception& e) {
  std::printf("handler: %s\n", e.what());
  std::fflush(stdout);
  std::_Exit(5);
}

int guarded_names() {
  fm::set_error_handler(&print_and_exit);
  using Guarded = fm::Guarded<fm::Pool&>;
  fm::Pool pool(Guarded::inner_size(24, 8), 8, {.name = "names"});
  Guarded guarded(pool);
  void* p = guarded.allocate(24, 8);
  guarded.deallocate(p, 32, 8);
  return 0;
}

// A game's own allocator that reports through framemem's handler, with a budget to refuse with.
class BudgetAllocator {
 public:
  [[nodiscard]] void* allocate(std::size_t size, std::size_t align) {
    if (size > budget - heap_.stats().bytes_used) fm::raise(fm::out_of_memory("budget", size, align, budget));
    return heap_.allocate(size, align);
  }
  void deallocate(void* p, std::size_t size, std::size_t align) noexcept { heap_.deallocate(p, size, align); }
  [[nodiscard]] fm::AllocatorStats stats() const noexcept { return heap_.stats(); }

  std::size_t budget = std::numeric_limits<std::size_t>::max();

 private:
  fm::NewAllocator heap_;
};

std::jmp_buf back;
[[noreturn]] void jump_back(const std::exception& e) {
  std::printf("handler: %s\n", e.what());
  std::longjmp(back, 1);
}

// A handler that leaves by longjmp: the refused call has put back what it took before the handler ran, as a
// throw would have. A create takes a slot page, then is refused its cell page; the slot page goes back.
int longjmp_undo() {
  struct Cell {
    double v[4];
  };
  BudgetAllocator budget;
  fm::HandlePool<Cell> pool(budget);
  for (std::size_t i = 0; i < fm::PageTable<std::uint64_t>::per_page; ++i) (void)pool.create(Cell{});
  const std::size_t used = budget.stats().bytes_used;
  const fm::HandlePoolStats before = pool.stats();
  budget.budget = used + fm::PageTable<std::uint64_t>::page_bytes;  // room for a slot page, not a cell page
  fm::set_error_handler(&jump_back);
  if (setjmp(back) == 0) {
    (void)pool.create(Cell{});
    std::printf("create returned\n");
    return 1;
  }
  fm::set_error_handler(nullptr);
  expect(budget.stats().bytes_used == used, "the refused create gave its slot page back");
  expect(pool.stats().pages == before.pages && pool.size() == before.size, "the pool is as it was");
  if (failures == 0) std::printf("the refused create left everything as it was\n");
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "";
  if (std::strcmp(mode, "try-forms") == 0) return try_forms();
  if (std::strcmp(mode, "default-handler") == 0) return default_handler();
  if (std::strcmp(mode, "own-handler") == 0) return own_handler();
  if (std::strcmp(mode, "handler-returns") == 0) return handler_returns();
  if (std::strcmp(mode, "guarded-names") == 0) return guarded_names();
  if (std::strcmp(mode, "longjmp-undo") == 0) return longjmp_undo();
  std::printf("usage: %s try-forms|default-handler|own-handler|handler-returns|guarded-names|longjmp-undo\n", argv[0]);
  return 2;
}
