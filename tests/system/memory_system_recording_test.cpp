// MemorySystem::record_to: every system's traffic through recordable_system() refs, under its name, with
// the memory system's frame numbers, and only blocks the recording saw allocated.
#include <doctest/doctest.h>

#include <algorithm>

#include "fm/alloc/pool.hpp"
#include "fm/system/memory_system.hpp"
#include "fm/trace/reader.hpp"
#include "fm/trace/writer.hpp"
#include "model/trace_model.hpp"

namespace {

using fm::trace::Op;

std::uint64_t id(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

TEST_CASE("a memory system records all its systems by name with frame numbers, through refs taken before") {
  const fm::model::ScratchFile file("memory_system_recording");
  fm::MemorySystem ms;
  fm::Pool bullets_pool{32, 16, {.name = "bullets"}};
  fm::NewAllocator enemy_pages;
  ms.add_pool("bullets", bullets_pool);
  ms.add_system("enemies", enemy_pages, "heap");
  fm::AllocatorRef bullets = ms.recordable_system("bullets");  // taken before the recording starts
  CHECK(bullets.stats().allocations == 0);
  void* before = bullets.allocate(32, 16);  // allocated before: its free must stay out of the trace

  fm::trace::Writer w(file.path());
  ms.record_to(w);
  CHECK(ms.recording() == &w);
  fm::AllocatorRef enemies = ms.recordable_system("enemies");
  void* kept = nullptr;
  for (int f = 0; f < 3; ++f) {
    ms.begin_frame();
    void* b = bullets.allocate(32, 16);
    void* e = enemies.allocate(100, 8);
    if (f == 0) {
      bullets.deallocate(before, 32, 16);
      kept = e;
    } else {
      enemies.deallocate(e, 100, 8);
    }
    bullets.deallocate(b, 32, 16);
    ms.end_frame();
  }
  ms.stop_recording();
  CHECK(ms.recording() == nullptr);
  void* after = bullets.allocate(32, 16);  // not recorded
  bullets.deallocate(after, 32, 16);
  w.close();
  enemies.deallocate(kept, 100, 8);
  CHECK(bullets_pool.stats().allocations == 5);  // the layer forwards every call

  const fm::trace::Trace t = fm::trace::read(file.path());  // valid: no free of an unknown block
  CHECK(t.systems == std::vector<std::string>{"bullets", "enemies"});
  std::vector<std::uint64_t> begins, ends;
  std::size_t bullet_allocs = 0, enemy_allocs = 0, frees = 0;
  for (const auto& e : t.events) {
    if (e.op == Op::frame_begin) begins.push_back(e.frame);
    if (e.op == Op::frame_end) ends.push_back(e.frame);
    if (e.op == Op::allocate) (t.systems[e.system] == "bullets" ? bullet_allocs : enemy_allocs) += 1;
    if (e.op == Op::free) {
      ++frees;
      CHECK(e.id != id(before));
    }
  }
  CHECK(begins == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(ends == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(bullet_allocs == 3);  // not `after`, allocated once the recording stopped
  CHECK(enemy_allocs == 3);
  CHECK(frees == 5);  // three bullets, two enemies; not the block from before the recording
  const auto kept_block =
      std::find_if(t.blocks.begin(), t.blocks.end(), [&](const auto& b) { return b.id == id(kept); });
  REQUIRE(kept_block != t.blocks.end());
  CHECK(kept_block->ended_by == fm::trace::no_block);
}

TEST_CASE("recordable_system of an unknown name or a scope throws like system") {
  fm::MemorySystem ms;
  ms.add_scope("world");
  CHECK_THROWS_AS((void)ms.recordable_system("nothing"), fm::error);
  CHECK_THROWS_AS((void)ms.recordable_system("world"), fm::error);
}

// The frame arena's blocks end when their buffer is recycled: with two buffers, a block made in frame f
// ends at the end of frame f + 1, recorded as a RESET of that buffer's system.
TEST_CASE("a memory system records its frame arena one system per buffer, each block ended by its buffer's reset") {
  const fm::model::ScratchFile file("memory_system_frame_arena");
  fm::MemorySystem ms({.frame_arena = {.buffers = 2, .name = "frame"}});
  fm::AllocatorRef frame = ms.recordable_system("frame");
  CHECK(frame != fm::AllocatorRef(ms.frame_arena()));
  fm::trace::Writer w(file.path());
  ms.record_to(w);
  for (int f = 1; f <= 4; ++f) {
    ms.begin_frame();
    void* last = nullptr;
    for (int k = 0; k < 3; ++k) last = frame.allocate(48, 16);
    frame.deallocate(last, 48, 16);  // gives nothing back: not a free
    ms.end_frame();
  }
  ms.stop_recording();
  w.close();
  CHECK(ms.frame_arena().stats().allocations == 12);  // the layer forwards to the arena

  const fm::trace::Trace t = fm::trace::read(file.path());
  CHECK(t.systems == std::vector<std::string>{"frame/buffer 0", "frame/buffer 1"});
  // In stamp order: the frame each block was made in, and the last frame ended before its end.
  std::uint64_t frame_begun = 0, frame_ended = 0;
  std::vector<std::uint64_t> order(t.events.size());
  for (std::uint64_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return t.events[a].stamp < t.events[b].stamp; });
  std::vector<std::uint64_t> made_in(t.blocks.size(), 0), ended_after_frame(t.blocks.size(), 0);
  for (const std::uint64_t i : order) {
    const fm::trace::Event& e = t.events[i];
    CHECK(e.op != Op::free);
    if (e.op == Op::frame_begin) frame_begun = e.frame;
    if (e.op == Op::frame_end) frame_ended = e.frame;
    for (const std::uint64_t b : t.ends(i)) {
      CHECK(e.op == Op::reset);
      ended_after_frame[b] = frame_ended;
    }
    if (t.created[i] != fm::trace::no_block) made_in[t.created[i]] = frame_begun;
  }
  REQUIRE(t.blocks.size() == 12);
  for (std::size_t b = 0; b < t.blocks.size(); ++b) {
    const std::uint64_t f = made_in[b];
    INFO("block " << b << " made in frame " << f);
    CHECK(t.systems[t.blocks[b].system] == (f % 2 == 1 ? "frame/buffer 0" : "frame/buffer 1"));
    if (f < 4) {
      CHECK(ended_after_frame[b] == f + 1);
    } else {
      CHECK(t.blocks[b].ended_by == fm::trace::no_block);  // its buffer had not come round when recording stopped
    }
  }
}

}  // namespace
