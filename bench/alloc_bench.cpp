// Allocator peer comparison: framemem's arenas, stack and pool against malloc, new, std::pmr resources,
// foonathan/memory and mimalloc, in one binary. scripts/bench_alloc.sh turns the JSON output into ratios.
// Every benchmark handles `batch` items per iteration and reports items per second.
#include <benchmark/benchmark.h>
#include <foonathan/memory/memory_pool.hpp>
#include <foonathan/memory/memory_stack.hpp>
#include <mimalloc.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdlib>
#include <memory_resource>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "fm/alloc/frame_arena.hpp"
#include "fm/alloc/linear_arena.hpp"
#include "fm/alloc/memory_resource.hpp"
#include "fm/alloc/pool.hpp"
#include "fm/alloc/stack_allocator.hpp"
#include "fm/alloc/std_allocator.hpp"

namespace {

namespace fmem = foonathan::memory;

constexpr std::size_t batch = 1000;
constexpr std::size_t align = alignof(std::max_align_t);
constexpr std::size_t arena_bytes = 1 << 20;  // fits a batch of the largest size with room to spare

// ---- peers that allocate a batch and then give it all back at once ("allocate-only with reset") ----

struct FrameArenaPeer {
  explicit FrameArenaPeer(std::size_t) {}
  void* allocate(std::size_t n) { return arena.allocate(n, align); }
  void release() { arena.next_frame(); }
  fm::FrameArena arena{{.capacity = arena_bytes, .overflow = fm::OverflowPolicy::fail}};
};

// The hot-loop form: the thread's buffer fetched once per frame, as a system that allocates a lot would.
struct FrameArenaLocalPeer {
  explicit FrameArenaLocalPeer(std::size_t) {}
  void* allocate(std::size_t n) { return local->allocate(n, align); }
  void release() {
    arena.next_frame();
    local = &arena.local();
  }
  fm::FrameArena arena{{.capacity = arena_bytes, .overflow = fm::OverflowPolicy::fail}};
  fm::LinearArena* local = &arena.local();
};

struct LinearArenaPeer {
  explicit LinearArenaPeer(std::size_t) {}
  void* allocate(std::size_t n) { return arena.allocate(n, align); }
  void release() { arena.reset(); }
  fm::LinearArena arena{{.capacity = arena_bytes}};
};

struct StackAllocatorPeer {
  explicit StackAllocatorPeer(std::size_t) {}
  void* allocate(std::size_t n) { return stack.allocate(n, align); }
  void release() { stack.rewind(base); }
  fm::StackAllocator stack{{.capacity = arena_bytes}};
  fm::StackAllocator::Marker base = stack.mark();
};

struct MonotonicPeer {
  explicit MonotonicPeer(std::size_t) {}
  void* allocate(std::size_t n) { return resource.allocate(n, align); }
  void release() { resource.release(); }
  std::vector<std::byte> buffer = std::vector<std::byte>(arena_bytes);
  std::pmr::monotonic_buffer_resource resource{buffer.data(), buffer.size()};
};

struct FoonathanStackPeer {
  explicit FoonathanStackPeer(std::size_t) {}
  void* allocate(std::size_t n) { return stack.allocate(n, align); }
  void release() { stack.unwind(base); }
  fmem::memory_stack<> stack{arena_bytes};
  fmem::memory_stack<>::marker base = stack.top();
};

// Heap peers must remember their pointers to free them at the end of the batch.
template <class Heap>
struct HeapPeer {
  explicit HeapPeer(std::size_t) {}
  void* allocate(std::size_t n) { return live[count++] = Heap::allocate(n); }
  void release() {
    for (std::size_t i = 0; i < count; ++i) Heap::deallocate(live[i], 0);
    count = 0;
  }
  std::array<void*, batch> live{};
  std::size_t count = 0;
};

struct Malloc {
  static void* allocate(std::size_t n) { return std::malloc(n); }
  static void deallocate(void* p, std::size_t) { std::free(p); }
};
struct NewDelete {
  static void* allocate(std::size_t n) { return ::operator new(n); }
  static void deallocate(void* p, std::size_t) { ::operator delete(p); }
};
struct MiMalloc {
  static void* allocate(std::size_t n) { return mi_malloc(n); }
  static void deallocate(void* p, std::size_t) { mi_free(p); }
};

template <class Peer>
void bump_batch(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  Peer peer(size);
  for (auto _ : state) {
    for (std::size_t i = 0; i < batch; ++i) benchmark::DoNotOptimize(peer.allocate(size));
    peer.release();
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}

// ---- fixed-size peers: allocate/free pairs and random-order frees ----

struct PoolPeer {
  explicit PoolPeer(std::size_t size) : pool(size, align, {.initial_pages = 1}) {}
  void* allocate() { return pool.allocate(size(), align); }
  void deallocate(void* p) { pool.deallocate(p, size(), align); }
  [[nodiscard]] std::size_t size() const { return pool.block_size(); }
  fm::Pool pool;
};

struct FoonathanPoolPeer {
  explicit FoonathanPoolPeer(std::size_t size) : pool(size, 64 * 1024) {}
  void* allocate() { return pool.allocate_node(); }
  void deallocate(void* p) { pool.deallocate_node(p); }
  fmem::memory_pool<> pool;
};

struct UnsyncPoolPeer {
  explicit UnsyncPoolPeer(std::size_t size) : size(size) {}
  void* allocate() { return resource.allocate(size, align); }
  void deallocate(void* p) { resource.deallocate(p, size, align); }
  std::size_t size;
  std::pmr::unsynchronized_pool_resource resource;
};

template <class Heap>
struct FixedHeapPeer {
  explicit FixedHeapPeer(std::size_t size) : size(size) {}
  void* allocate() { return Heap::allocate(size); }
  void deallocate(void* p) { Heap::deallocate(p, size); }
  std::size_t size;
};

template <class Peer>
void pool_pairs(benchmark::State& state) {
  Peer peer(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    for (std::size_t i = 0; i < batch; ++i) {
      void* p = peer.allocate();
      benchmark::DoNotOptimize(p);
      peer.deallocate(p);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}

template <class Peer>
void pool_random_free(benchmark::State& state) {
  Peer peer(static_cast<std::size_t>(state.range(0)));
  std::vector<std::size_t> order(batch);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::shuffle(order.begin(), order.end(), std::mt19937(12345));
  std::vector<void*> live(batch);
  for (auto _ : state) {
    for (std::size_t i = 0; i < batch; ++i) live[i] = peer.allocate();
    for (std::size_t i : order) peer.deallocate(live[i]);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}

// ---- std::vector<int> push_back (no reserve) through each adapter ----

template <class A>
struct FmVector {
  explicit FmVector(A& a) : allocator(a) {}
  void run() {
    std::vector<int, fm::StdAllocator<int, A>> v{fm::StdAllocator<int, A>(allocator)};
    for (std::size_t i = 0; i < batch; ++i) v.push_back(static_cast<int>(i));
    benchmark::DoNotOptimize(v.data());
  }
  A& allocator;
};

template <class Setup>
void vector_push_back(benchmark::State& state) {
  Setup setup;
  for (auto _ : state) {
    setup.run();
    setup.release();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}

struct VecStd {
  void run() {
    std::vector<int> v;
    for (std::size_t i = 0; i < batch; ++i) v.push_back(static_cast<int>(i));
    benchmark::DoNotOptimize(v.data());
  }
  void release() {}
};
template <class Resource>
struct VecPmr {
  void run() {
    std::pmr::vector<int> v{&resource};
    for (std::size_t i = 0; i < batch; ++i) v.push_back(static_cast<int>(i));
    benchmark::DoNotOptimize(v.data());
  }
  void release() {
    if constexpr (requires { resource.release(); }) resource.release();
  }
  Resource resource;
};
struct VecFrameArena {
  void run() { FmVector<fm::FrameArena>{arena}.run(); }
  void release() { arena.next_frame(); }
  fm::FrameArena arena{{.capacity = arena_bytes}};
};
struct VecLinearArena {
  void run() { FmVector<fm::LinearArena>{arena}.run(); }
  void release() { arena.reset(); }
  fm::LinearArena arena{{.capacity = arena_bytes}};
};
struct VecStack {
  void run() { FmVector<fm::StackAllocator>{stack}.run(); }
  void release() { stack.reset(); }
  fm::StackAllocator stack{{.capacity = arena_bytes, .strict_lifo = false}};
};
struct VecPool {
  void run() { FmVector<fm::Pool>{pool}.run(); }
  void release() {}
  fm::Pool pool{sizeof(int), alignof(int)};
};
struct VecFramePmr {
  void run() {
    std::pmr::vector<int> v{&arena.resource()};
    for (std::size_t i = 0; i < batch; ++i) v.push_back(static_cast<int>(i));
    benchmark::DoNotOptimize(v.data());
  }
  void release() { arena.next_frame(); }
  fm::FrameArena arena{{.capacity = arena_bytes}};
};

// Names are "<workload>/<peer>/<size>" so the ratio script can group by workload and size.
template <class F>
void add(const std::string& workload, const std::string& peer, F f, bool sized = true) {
  auto* b = benchmark::RegisterBenchmark((workload + "/" + peer).c_str(), f);
  if (sized) {
    for (int size : {16, 64, 256}) b->Arg(size);
  }
}

const bool registered = [] {
  add("bump", "fm::FrameArena", bump_batch<FrameArenaPeer>);
  add("bump", "fm::FrameArena(local)", bump_batch<FrameArenaLocalPeer>);
  add("bump", "fm::LinearArena", bump_batch<LinearArenaPeer>);
  add("bump", "fm::StackAllocator", bump_batch<StackAllocatorPeer>);
  add("bump", "malloc", bump_batch<HeapPeer<Malloc>>);
  add("bump", "new", bump_batch<HeapPeer<NewDelete>>);
  add("bump", "mi_malloc", bump_batch<HeapPeer<MiMalloc>>);
  add("bump", "pmr::monotonic", bump_batch<MonotonicPeer>);
  add("bump", "foonathan::memory_stack", bump_batch<FoonathanStackPeer>);

  add("pool_pairs", "fm::Pool", pool_pairs<PoolPeer>);
  add("pool_pairs", "foonathan::memory_pool", pool_pairs<FoonathanPoolPeer>);
  add("pool_pairs", "pmr::unsync_pool", pool_pairs<UnsyncPoolPeer>);
  add("pool_pairs", "mi_malloc", pool_pairs<FixedHeapPeer<MiMalloc>>);
  add("pool_pairs", "malloc", pool_pairs<FixedHeapPeer<Malloc>>);
  add("pool_pairs", "new", pool_pairs<FixedHeapPeer<NewDelete>>);

  add("pool_random", "fm::Pool", pool_random_free<PoolPeer>);
  add("pool_random", "foonathan::memory_pool", pool_random_free<FoonathanPoolPeer>);
  add("pool_random", "pmr::unsync_pool", pool_random_free<UnsyncPoolPeer>);
  add("pool_random", "mi_malloc", pool_random_free<FixedHeapPeer<MiMalloc>>);
  add("pool_random", "malloc", pool_random_free<FixedHeapPeer<Malloc>>);
  add("pool_random", "new", pool_random_free<FixedHeapPeer<NewDelete>>);

  add("vector", "std::allocator", vector_push_back<VecStd>, false);
  add("vector", "pmr::monotonic", vector_push_back<VecPmr<std::pmr::monotonic_buffer_resource>>, false);
  add("vector", "pmr::unsync_pool", vector_push_back<VecPmr<std::pmr::unsynchronized_pool_resource>>, false);
  add("vector", "fm::FrameArena", vector_push_back<VecFrameArena>, false);
  add("vector", "fm::FrameArena(pmr)", vector_push_back<VecFramePmr>, false);
  add("vector", "fm::LinearArena", vector_push_back<VecLinearArena>, false);
  add("vector", "fm::StackAllocator", vector_push_back<VecStack>, false);
  add("vector", "fm::Pool", vector_push_back<VecPool>, false);
  return true;
}();

}  // namespace
