// Faithful replay of a validated trace: a plan in a memory file mapped before the clock starts, one thread per
// recorded thread, frees only after their allocation ran, frame boundaries as barriers in stamp order,
// and every block filled with a pattern of its own on allocate and checked when it ends.
#include "replay.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>
#include <thread>

#include "fm/core/error.hpp"
#include "pattern.hpp"

namespace fm::replay {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::uint64_t done_stamp = ~std::uint64_t{0};
constexpr std::size_t plain_align = alignof(std::max_align_t);

// The plan's layout: every array at a 64-byte aligned offset from the start of the mapping, so the plan is
// the same bytes wherever a process maps it.
struct PlanHeader {
  std::uint64_t magic = 0;
  std::uint64_t bytes = 0;
  std::uint64_t lane_count = 0;
  std::uint64_t block_count = 0;
  std::uint64_t step_count = 0;
  std::uint64_t end_count = 0;
  std::uint64_t frames = 0;
  std::uint64_t system_count = 0;
  std::uint64_t lanes = 0, slots = 0, ends = 0, steps = 0, frame_ns = 0, frame_rss = 0, frame_live = 0;
  std::uint64_t system_names = 0;  // each system's offset into `names`
  std::uint64_t names = 0;         // the systems' names, each ended by '\0'
};
constexpr std::uint64_t plan_magic = 0x4e414c5059414c50;  // "PLAYPLAN"

struct PlanLayout {
  std::uint64_t used = 0;
  template <class T>
  std::uint64_t take(std::uint64_t n) {
    used = (used + 63) & ~std::uint64_t{63};
    const std::uint64_t at = used;
    used += n * sizeof(T);
    return at;
  }
};

struct Step {
  trace::Op op = trace::Op::allocate;
  std::uint64_t stamp = 0;
  std::uint64_t event = 0;               // index in file order
  std::uint64_t create = trace::no_block;
  std::uint64_t end_first = 0;           // into Plan::ends
  std::uint64_t end_count = 0;
  std::uint64_t boundaries_before = 0;   // frame boundaries with a smaller stamp
  std::uint64_t frame = 0;               // frame end: its index in the per-frame series
};

struct Slot {
  void* ptr = nullptr;
  std::uint64_t size = 0;
  std::uint64_t align = 1;
  std::uint64_t id = 0;
  std::uint64_t created_by = 0;
  std::uint32_t system = 0;
  std::atomic<std::uint32_t> ready{0};  // pending, then live, then ended
};
constexpr std::uint32_t slot_pending = 0;
constexpr std::uint32_t slot_live = 1;
constexpr std::uint32_t slot_ended = 2;

struct alignas(64) Lane {
  std::atomic<std::uint64_t> next_stamp{0};  // the step this thread waits for or runs; done_stamp at the end
  std::atomic<std::int64_t> live{0};         // bytes live from this thread's allocations and frees
  std::atomic<std::uint64_t> verified{0};
  std::uint64_t first_step = 0;  // this thread's steps are steps[first_step, first_step + count)
  std::uint64_t count = 0;
  std::uint32_t number = 0;
};

inline void pause() noexcept { std::this_thread::yield(); }

// Writes the plan of a validated trace into a memory file: each thread's steps in one run, one slot per
// block, the blocks each event ends, the per-frame series and the system names, all at offsets from the
// start (PlanHeader), so every process that maps the file finds the same plan.
class PlanWriter {
 public:
  static int write(const trace::Trace& t) {
    PlanHeader h;
    h.magic = plan_magic;
    h.lane_count = t.threads.size();
    h.block_count = t.blocks.size();
    h.step_count = t.events.size();
    h.end_count = t.ended.size();
    h.system_count = t.systems.size();
    std::vector<std::uint64_t> per_lane(h.lane_count, 0);
    std::vector<std::uint64_t> boundary_stamps;
    for (const auto& e : t.events) {
      ++per_lane[e.thread];
      if (e.op == trace::Op::frame_begin || e.op == trace::Op::frame_end) boundary_stamps.push_back(e.stamp);
      if (e.op == trace::Op::frame_end) ++h.frames;
    }
    std::sort(boundary_stamps.begin(), boundary_stamps.end());
    std::uint64_t name_bytes = 0;
    for (const auto& name : t.systems) name_bytes += name.size() + 1;

    PlanLayout layout;
    (void)layout.take<PlanHeader>(1);
    h.lanes = layout.take<Lane>(h.lane_count);
    h.slots = layout.take<Slot>(h.block_count);
    h.ends = layout.take<std::uint64_t>(h.end_count);
    h.steps = layout.take<Step>(h.step_count);
    h.frame_ns = layout.take<std::uint64_t>(h.frames);
    h.frame_rss = layout.take<std::uint64_t>(h.frames);
    h.frame_live = layout.take<std::uint64_t>(h.frames);
    h.system_names = layout.take<std::uint64_t>(h.system_count);
    h.names = layout.take<char>(name_bytes);
    h.bytes = layout.used;

    const int fd = ::memfd_create("framemem-replay-plan", MFD_CLOEXEC);
    if (fd < 0) throw error(std::string("cannot create the replay plan's memory file: ") + std::strerror(errno));
    void* m = MAP_FAILED;
    if (::ftruncate(fd, static_cast<off_t>(h.bytes)) == 0) {
      m = ::mmap(nullptr, h.bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    }
    if (m == MAP_FAILED) {
      const int why = errno;
      ::close(fd);
      throw error("cannot map the replay plan (" + std::to_string(h.bytes) + " bytes): " + std::strerror(why));
    }
    auto* base = static_cast<std::byte*>(m);
    std::memcpy(base, &h, sizeof h);
    Lane* lanes = construct<Lane>(base + h.lanes, h.lane_count);
    Slot* slots = construct<Slot>(base + h.slots, h.block_count);
    Step* steps = construct<Step>(base + h.steps, h.step_count);
    std::copy(t.ended.begin(), t.ended.end(), reinterpret_cast<std::uint64_t*>(base + h.ends));
    auto* name_at = reinterpret_cast<std::uint64_t*>(base + h.system_names);
    std::uint64_t at = 0;
    for (std::uint64_t i = 0; i < h.system_count; ++i) {
      name_at[i] = at;
      std::memcpy(base + h.names + at, t.systems[i].c_str(), t.systems[i].size() + 1);
      at += t.systems[i].size() + 1;
    }
    std::uint64_t first = 0;
    for (std::uint64_t l = 0; l < h.lane_count; ++l) {
      lanes[l].first_step = first;
      lanes[l].number = static_cast<std::uint32_t>(l);
      first += per_lane[l];
    }
    for (std::uint64_t b = 0; b < h.block_count; ++b) {
      const trace::Block& block = t.blocks[b];
      Slot& s = slots[b];
      s.size = block.size;
      s.align = block.align;
      s.id = block.id;
      s.created_by = block.created_by;
      s.system = block.system;
    }
    std::uint64_t frame = 0;
    for (std::uint64_t i = 0; i < t.events.size(); ++i) {
      const trace::Event& e = t.events[i];
      Lane& lane = lanes[e.thread];
      Step& s = steps[lane.first_step + lane.count++];
      s.op = e.op;
      s.stamp = e.stamp;
      s.event = i;
      s.create = t.created[i];
      s.end_first = t.ended_begin[i];
      s.end_count = t.ended_begin[i + 1] - t.ended_begin[i];
      s.boundaries_before = static_cast<std::uint64_t>(
          std::lower_bound(boundary_stamps.begin(), boundary_stamps.end(), e.stamp) - boundary_stamps.begin());
      if (e.op == trace::Op::frame_end) s.frame = frame++;
    }
    for (std::uint64_t l = 0; l < h.lane_count; ++l) {
      lanes[l].next_stamp.store(lanes[l].count ? steps[lanes[l].first_step].stamp : done_stamp);
    }
    ::munmap(m, h.bytes);
    return fd;
  }

 private:
  template <class T>
  static T* construct(std::byte* at, std::uint64_t n) {
    T* first = reinterpret_cast<T*>(at);
    for (std::uint64_t i = 0; i < n; ++i) new (first + i) T();
    return first;
  }
};

// A process's private, fully resident copy of a plan: the replay writes into its slots and series without
// touching the file, and nothing of it is faulted in after the clock starts.
class PlanMapping {
 public:
  explicit PlanMapping(int fd) {
    struct stat st{};
    if (::fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(sizeof(PlanHeader))) {
      throw error("descriptor " + std::to_string(fd) + " holds no replay plan");
    }
    size_ = static_cast<std::size_t>(st.st_size);
    void* m = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (m == MAP_FAILED) throw error(std::string("cannot map the replay plan: ") + std::strerror(errno));
    base_ = static_cast<std::byte*>(m);
    if (header().magic != plan_magic || header().bytes != size_) {
      ::munmap(base_, size_);
      throw error("descriptor " + std::to_string(fd) + " holds no replay plan");
    }
  }
  ~PlanMapping() { ::munmap(base_, size_); }
  PlanMapping(const PlanMapping&) = delete;
  PlanMapping& operator=(const PlanMapping&) = delete;

  const PlanHeader& header() const { return *reinterpret_cast<const PlanHeader*>(base_); }
  template <class T>
  T* at(std::uint64_t offset) const { return std::launder(reinterpret_cast<T*>(base_ + offset)); }
  const void* base() const { return base_; }

 private:
  std::byte* base_ = nullptr;
  std::size_t size_ = 0;
};

// A file of /proc read whole into pages of its own, so that reading it allocates nothing from the
// allocator under test; empty when it cannot be read.
class ProcText {
 public:
  explicit ProcText(const char* path) {
    void* m = ::mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) return;
    text_ = static_cast<char*>(m);
    std::size_t used = 0;
    if (const int fd = ::open(path, O_RDONLY); fd >= 0) {
      ssize_t n = 0;
      while (used + 1 < capacity && (n = ::read(fd, text_ + used, capacity - 1 - used)) > 0) {
        used += static_cast<std::size_t>(n);
      }
      ::close(fd);
    }
    text_[used] = '\0';
  }
  ~ProcText() {
    if (text_) ::munmap(text_, capacity);
  }
  ProcText(const ProcText&) = delete;
  ProcText& operator=(const ProcText&) = delete;

  // The first line at or after the line `from` (the start when null) that starts with `prefix`, or null.
  const char* line_starting(const char* prefix, const char* from = nullptr) const {
    const std::size_t n = std::strlen(prefix);
    for (const char* line = from ? from : text_; line && *line;) {
      if (std::strncmp(line, prefix, n) == 0) return line;
      line = std::strchr(line, '\n');
      if (line) ++line;
    }
    return nullptr;
  }
  // The number after `field` on such a line (sizes in /proc are in KiB); 0 when there is none.
  std::uint64_t number(const char* field, const char* from = nullptr) const {
    const char* line = line_starting(field, from);
    return line ? std::strtoull(line + std::strlen(field), nullptr, 10) : 0;
  }

 private:
  static constexpr std::size_t capacity = std::size_t{8} << 20;
  char* text_ = nullptr;
};

// The resident KiB of the mapping that starts at `base`, from /proc/self/smaps.
std::uint64_t resident_kb_of_mapping(const void* base) {
  const ProcText smaps("/proc/self/smaps");
  char start[32];
  std::snprintf(start, sizeof start, "%lx-", static_cast<unsigned long>(reinterpret_cast<std::uintptr_t>(base)));
  const char* entry = smaps.line_starting(start);
  return entry ? smaps.number("Rss:", entry) : 0;
}

// Restarts the kernel's count of the process's largest RSS from its current RSS (Linux 4.0 and later);
// false when the kernel refuses.
bool restart_high_water_rss() {
  const int fd = ::open("/proc/self/clear_refs", O_WRONLY);
  if (fd < 0) return false;
  const bool done = ::write(fd, "5", 1) == 1;
  ::close(fd);
  return done;
}

// The process's largest RSS in KiB since the restart above (VmHWM of /proc/self/status): the kernel takes it
// before it unmaps or discards pages, so it sees a peak that fell between two samples.
std::uint64_t high_water_rss_kb() {
  const ProcText status("/proc/self/status");
  return status.number("VmHWM:");
}

class Replayer {
 public:
  Replayer(int plan_fd, std::string allocator) : allocator_(std::move(allocator)), plan_(plan_fd) {
    const PlanHeader& h = plan_.header();
    lane_count_ = h.lane_count;
    block_count_ = h.block_count;
    events_ = h.step_count;
    frames_ = h.frames;
    lanes_ = plan_.at<Lane>(h.lanes);
    slots_ = plan_.at<Slot>(h.slots);
    ends_ = plan_.at<std::uint64_t>(h.ends);
    steps_ = plan_.at<Step>(h.steps);
    frame_ns_ = plan_.at<std::uint64_t>(h.frame_ns);
    frame_rss_ = plan_.at<std::uint64_t>(h.frame_rss);
    frame_live_ = plan_.at<std::uint64_t>(h.frame_live);
    system_names_ = plan_.at<std::uint64_t>(h.system_names);
    names_ = plan_.at<char>(h.names);
  }

  Result run() {
    statm_ = ::open("/proc/self/statm", O_RDONLY);
    std::vector<std::thread> threads;
    threads.reserve(lane_count_);
    for (std::uint64_t l = 0; l < lane_count_; ++l) threads.emplace_back([this, l] { run_lane(lanes_[l]); });
    Result r;
    r.plan_rss_kb = resident_kb_of_mapping(plan_.base());
    const bool high_water_counted = restart_high_water_rss();
    start_rss_kb_ = rss_kb();
    r.process_rss_at_start_kb = start_rss_kb_;
    const auto start = Clock::now();
    go_.store(true, std::memory_order_release);
    go_.notify_all();
    for (auto& t : threads) t.join();
    r.total_ns = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
    peak_rss_kb_ = std::max({peak_rss_kb_, rss_kb(), high_water_counted ? high_water_rss_kb() : 0});
    verify_survivors();
    r.allocator = allocator_;
    r.events = events_;
    r.blocks = block_count_;
    r.threads = lane_count_;
    for (std::uint64_t l = 0; l < lane_count_; ++l) r.verified += lanes_[l].verified.load();
    r.verified += survivors_verified_;
    r.process_peak_rss_kb = peak_rss_kb_;
    r.allocator_peak_rss_kb = allocator_kb(peak_rss_kb_);
    r.frame_ns.assign(frame_ns_, frame_ns_ + frames_);
    r.allocator_rss_kb.reserve(frames_);
    for (std::uint64_t f = 0; f < frames_; ++f) r.allocator_rss_kb.push_back(allocator_kb(frame_rss_[f]));
    r.live_bytes.assign(frame_live_, frame_live_ + frames_);
    if (statm_ >= 0) ::close(statm_);
    return r;
  }

 private:
  // The allocator's part of a process RSS: what grew since the moment before the first event, when the
  // process held the replayer (binary, libraries, plan, threads) and nothing the trace allocated.
  std::uint64_t allocator_kb(std::uint64_t process_kb) const noexcept {
    return process_kb > start_rss_kb_ ? process_kb - start_rss_kb_ : 0;
  }

  const char* system_name(std::uint32_t system) const noexcept { return names_ + system_names_[system]; }

  void run_lane(Lane& lane) {
    go_.wait(false, std::memory_order_acquire);
    Clock::time_point frame_start{};
    for (std::uint64_t k = 0; k < lane.count; ++k) {
      const Step& s = steps_[lane.first_step + k];
      lane.next_stamp.store(s.stamp, std::memory_order_release);
      while (boundaries_done_.load(std::memory_order_acquire) < s.boundaries_before) pause();
      switch (s.op) {
        case trace::Op::allocate: allocate(lane, s.create, s); break;
        case trace::Op::realloc: reallocate(lane, ends_[s.end_first], s.create, s); break;
        case trace::Op::free:
        case trace::Op::reset:
        case trace::Op::rewind:
          for (std::uint64_t e = 0; e < s.end_count; ++e) release(lane, ends_[s.end_first + e], s);
          break;
        case trace::Op::frame_begin:
          wait_all_past(lane, s.stamp);
          frame_start = Clock::now();
          boundaries_done_.store(s.boundaries_before + 1, std::memory_order_release);
          break;
        case trace::Op::frame_end:
          wait_all_past(lane, s.stamp);
          frame_ns_[s.frame] = static_cast<std::uint64_t>(
              std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - frame_start).count());
          sample(s.frame);
          boundaries_done_.store(s.boundaries_before + 1, std::memory_order_release);
          break;
      }
    }
    lane.next_stamp.store(done_stamp, std::memory_order_release);
  }

  // A frame boundary: every event before it, on every thread, has run.
  void wait_all_past(const Lane& self, std::uint64_t stamp) const {
    for (std::uint64_t l = 0; l < lane_count_; ++l) {
      if (&lanes_[l] == &self) continue;
      while (lanes_[l].next_stamp.load(std::memory_order_acquire) <= stamp) pause();
    }
  }

  void sample(std::uint64_t frame) {
    std::int64_t live = 0;
    for (std::uint64_t l = 0; l < lane_count_; ++l) live += lanes_[l].live.load(std::memory_order_relaxed);
    frame_live_[frame] = static_cast<std::uint64_t>(std::max<std::int64_t>(live, 0));
    frame_rss_[frame] = rss_kb();
    peak_rss_kb_ = std::max(peak_rss_kb_, frame_rss_[frame]);
  }

  static void* obtain(std::uint64_t size, std::uint64_t align) noexcept {
    if (align <= plain_align) return std::malloc(size);
    void* p = nullptr;
    return ::posix_memalign(&p, align, size) == 0 ? p : nullptr;
  }

  void allocate(Lane& lane, std::uint64_t b, const Step& s) {
    Slot& slot = slots_[b];
    void* p = obtain(slot.size, slot.align);
    if (!p && slot.size != 0) out_of_memory(slot, b, s);
    fill(p, slot.size, pattern_of(b));
    slot.ptr = p;
    slot.ready.store(slot_live, std::memory_order_release);
    add_live(lane, static_cast<std::int64_t>(slot.size));
  }

  void release(Lane& lane, std::uint64_t b, const Step& s) {
    Slot& slot = await(b);
    verify(slot, b, slot.size, s);
    std::free(slot.ptr);
    slot.ready.store(slot_ended, std::memory_order_relaxed);
    lane.verified.fetch_add(1, std::memory_order_relaxed);
    add_live(lane, -static_cast<std::int64_t>(slot.size));
  }

  // realloc where the C interface can do it (default alignment, a non-zero size); otherwise what realloc
  // means: a new block, the common prefix copied, the old block freed. Either way the prefix must survive.
  void reallocate(Lane& lane, std::uint64_t old_b, std::uint64_t new_b, const Step& s) {
    Slot& old_slot = await(old_b);
    Slot& new_slot = slots_[new_b];
    verify(old_slot, old_b, old_slot.size, s);
    const std::uint64_t keep = std::min(old_slot.size, new_slot.size);
    void* p = nullptr;
    if (old_slot.align <= plain_align && new_slot.align <= plain_align && new_slot.size != 0) {
      p = std::realloc(old_slot.ptr, new_slot.size);
      if (!p) out_of_memory(new_slot, new_b, s);
    } else {
      p = obtain(new_slot.size, new_slot.align);
      if (!p && new_slot.size != 0) out_of_memory(new_slot, new_b, s);
      if (keep) std::memcpy(p, old_slot.ptr, keep);
      std::free(old_slot.ptr);
    }
    old_slot.ptr = p;  // the prefix check below reads the old block's bytes where realloc put them
    verify(old_slot, old_b, keep, s);
    old_slot.ready.store(slot_ended, std::memory_order_relaxed);
    lane.verified.fetch_add(1, std::memory_order_relaxed);
    fill(p, new_slot.size, pattern_of(new_b));
    new_slot.ptr = p;
    new_slot.ready.store(slot_live, std::memory_order_release);
    add_live(lane, static_cast<std::int64_t>(new_slot.size) - static_cast<std::int64_t>(old_slot.size));
  }

  Slot& await(std::uint64_t b) {
    Slot& slot = slots_[b];
    while (slot.ready.load(std::memory_order_acquire) == slot_pending) pause();
    return slot;
  }

  static void add_live(Lane& lane, std::int64_t delta) noexcept {
    lane.live.store(lane.live.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
  }

  void verify(const Slot& slot, std::uint64_t b, std::uint64_t n, const Step& s) const {
    const std::uint64_t at = first_mismatch(slot.ptr, n, pattern_of(b));
    if (at == n) return;
    unsigned char expected[8];
    const std::uint64_t v = pattern_of(b);
    std::memcpy(expected, &v, 8);
    const auto found = static_cast<const unsigned char*>(slot.ptr)[at];
    std::fprintf(stderr,
                 "framemem-replay: allocator '%s' corrupted block %llu (recorded at 0x%llx, %llu bytes aligned to "
                 "%llu, system '%s', allocated by event %llu): byte %llu is 0x%02x, expected 0x%02x; found at "
                 "event %llu\n",
                 allocator_.c_str(), ull(b), ull(slot.id), ull(slot.size), ull(slot.align),
                 system_name(slot.system), ull(slot.created_by + 1), ull(at), found, expected[at % 8],
                 ull(s.event + 1));
    std::fflush(stderr);
    std::_Exit(exit_corrupted);
  }

  [[noreturn]] void out_of_memory(const Slot& slot, std::uint64_t b, const Step& s) const {
    std::fprintf(stderr,
                 "framemem-replay: allocator '%s' returned null for block %llu (%llu bytes aligned to %llu, system "
                 "'%s') at event %llu\n",
                 allocator_.c_str(), ull(b), ull(slot.size), ull(slot.align), system_name(slot.system),
                 ull(s.event + 1));
    std::fflush(stderr);
    std::_Exit(exit_out_of_memory);
  }

  // Blocks still live when the trace ends are checked after the clock stopped.
  void verify_survivors() {
    const Step end_of_trace{.op = trace::Op::free, .event = events_};
    for (std::uint64_t b = 0; b < block_count_; ++b) {
      Slot& slot = slots_[b];
      if (slot.ready.load(std::memory_order_acquire) != slot_live) continue;
      verify(slot, b, slot.size, end_of_trace);
      ++survivors_verified_;
    }
  }

  std::uint64_t rss_kb() const noexcept {
    char buf[128];
    if (statm_ < 0) return 0;
    const ssize_t n = ::pread(statm_, buf, sizeof buf - 1, 0);
    if (n <= 0) return 0;
    buf[n] = '\0';
    const char* p = std::strchr(buf, ' ');
    if (!p) return 0;
    return std::strtoull(p + 1, nullptr, 10) * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)) / 1024;
  }

  static unsigned long long ull(std::uint64_t v) noexcept { return v; }

  std::string allocator_;
  PlanMapping plan_;
  std::uint64_t events_ = 0;
  Lane* lanes_ = nullptr;
  Step* steps_ = nullptr;
  Slot* slots_ = nullptr;
  std::uint64_t* ends_ = nullptr;
  std::uint64_t* frame_ns_ = nullptr;
  std::uint64_t* frame_rss_ = nullptr;
  std::uint64_t* frame_live_ = nullptr;
  std::uint64_t* system_names_ = nullptr;
  const char* names_ = nullptr;
  std::uint64_t lane_count_ = 0;
  std::uint64_t block_count_ = 0;
  std::uint64_t frames_ = 0;
  std::uint64_t survivors_verified_ = 0;
  std::uint64_t start_rss_kb_ = 0;
  std::uint64_t peak_rss_kb_ = 0;  // written only by frame-end owners, one at a time (boundaries are ordered)
  int statm_ = -1;
  std::atomic<bool> go_{false};
  std::atomic<std::uint64_t> boundaries_done_{0};
};

}  // namespace

int write_plan(const trace::Trace& trace) { return PlanWriter::write(trace); }

Result replay(int plan_fd, const std::string& allocator) {
  Replayer r(plan_fd, allocator);
  return r.run();
}

std::string to_json(const Result& r) {
  std::ostringstream out;
  const char* separator = "{";
  for_each_field(r, [&](const char* key, const auto& value) {
    out << separator << '"' << key << "\":";
    separator = ",";
    using T = std::remove_cvref_t<decltype(value)>;
    if constexpr (std::same_as<T, std::string>) {
      out << '"' << value << '"';  // an allocator name: letters, digits, '_', '-' and '.' (resolve_peers)
    } else if constexpr (std::same_as<T, bool>) {
      out << (value ? "true" : "false");
    } else if constexpr (std::same_as<T, std::vector<std::uint64_t>>) {
      out << '[';
      for (std::size_t i = 0; i < value.size(); ++i) out << (i ? "," : "") << value[i];
      out << ']';
    } else {
      out << value;
    }
  });
  out << "}";
  return out.str();
}

namespace {

// The reader of to_json's own output: fields in known order, numbers and arrays of numbers only.
class JsonLine {
 public:
  explicit JsonLine(const std::string& s) : s_(s) {}
  std::string text(const char* key) {
    seek(key);
    if (s_[at_] != '"') bad(key);
    const std::size_t end = s_.find('"', at_ + 1);
    if (end == std::string::npos) bad(key);
    std::string v = s_.substr(at_ + 1, end - at_ - 1);
    at_ = end + 1;
    return v;
  }
  bool flag(const char* key) {
    seek(key);
    return s_.compare(at_, 4, "true") == 0;
  }
  std::uint64_t number(const char* key) {
    seek(key);
    return parse_number(key);
  }
  std::vector<std::uint64_t> series(const char* key) {
    seek(key);
    if (s_[at_++] != '[') bad(key);
    std::vector<std::uint64_t> v;
    while (at_ < s_.size() && s_[at_] != ']') {
      v.push_back(parse_number(key));
      if (s_[at_] == ',') ++at_;
    }
    return v;
  }

 private:
  void seek(const char* key) {
    const std::string k = std::string("\"") + key + "\":";
    const std::size_t p = s_.find(k);
    if (p == std::string::npos) bad(key);
    at_ = p + k.size();
  }
  std::uint64_t parse_number(const char* key) {
    char* end = nullptr;
    const std::uint64_t v = std::strtoull(s_.c_str() + at_, &end, 10);
    if (end == s_.c_str() + at_) bad(key);
    at_ = static_cast<std::size_t>(end - s_.c_str());
    return v;
  }
  [[noreturn]] static void bad(const char* key) {
    throw error(std::string("replay result: missing or malformed field '") + key + "'");
  }
  const std::string& s_;
  std::size_t at_ = 0;
};

}  // namespace

Result from_json(const std::string& line) {
  JsonLine j(line);
  Result r;
  for_each_field(r, [&](const char* key, auto& value) {
    using T = std::remove_cvref_t<decltype(value)>;
    if constexpr (std::same_as<T, std::string>) {
      value = j.text(key);
    } else if constexpr (std::same_as<T, bool>) {
      value = j.flag(key);
    } else if constexpr (std::same_as<T, std::vector<std::uint64_t>>) {
      value = j.series(key);
    } else {
      value = j.number(key);
    }
  });
  return r;
}

}  // namespace fm::replay
