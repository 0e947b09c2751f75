// FRAMEMEM_STATS=1: prints the process heap's statistics to stderr at exit, formatted on the stack and
// written with write(2), because stdio may allocate and the allocator is being torn down around it.
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

#include "process_heap.hpp"

namespace fm::malloc_lib {
namespace {

class LineWriter {
 public:
  LineWriter& text(const char* s) noexcept {
    const std::size_t n = std::strlen(s);
    if (n <= sizeof(buf_) - used_) {
      std::memcpy(buf_ + used_, s, n);
      used_ += n;
    }
    return *this;
  }
  LineWriter& number(std::uint64_t v) noexcept {
    char digits[24];
    int i = sizeof(digits);
    digits[--i] = '\0';
    do {
      digits[--i] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    return text(digits + i);
  }
  // Two decimals, enough for ratios between 0 and 1.
  LineWriter& ratio(double r) noexcept {
    const auto hundredths = static_cast<std::uint64_t>(r * 100 + 0.5);
    number(hundredths / 100).text(".");
    if (hundredths % 100 < 10) text("0");
    return number(hundredths % 100);
  }
  void flush() noexcept {
    std::size_t done = 0;
    while (done < used_) {
      const ssize_t n = ::write(STDERR_FILENO, buf_ + done, used_ - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    used_ = 0;
  }

 private:
  char buf_[512];
  std::size_t used_ = 0;
};

void dump(const HeapStats& st) noexcept {
  LineWriter w;
  w.text("framemem: committed ").number(st.committed).text(" B, requested ").number(st.requested);
  w.text(" B, allocated ").number(st.allocated).text(" B, metadata ").number(st.metadata);
  w.text(" B, fragmentation ").ratio(st.fragmentation).text(", overhead ").ratio(st.overhead).text("\n").flush();
  w.text("framemem: allocations ").number(st.allocations).text(", frees ").number(st.deallocations);
  w.text(", large blocks ").number(st.large_blocks).text(" (").number(st.large_bytes).text(" B), peak outstanding ");
  w.number(st.peak_outstanding).text(" B, thread caches ").number(st.thread_caches).text("\n").flush();
  w.text("framemem: class block_size live_blocks requested committed pages\n").flush();
  for (std::size_t c = 0; c < st.classes.size(); ++c) {
    const HeapClassStats& row = st.classes[c];
    if (row.pages == 0 && row.live_blocks == 0) continue;
    w.text("framemem: ").number(c).text(" ").number(row.block_size).text(" ").number(row.live_blocks).text(" ");
    w.number(row.requested).text(" ").number(row.committed).text(" ").number(row.pages).text("\n").flush();
  }
}

[[gnu::destructor]] void dump_stats_at_exit() noexcept {
  const char* flag = ::getenv("FRAMEMEM_STATS");
  Heap* h = process_heap_ptr.load(std::memory_order_acquire);
  if (flag != nullptr && std::strcmp(flag, "1") == 0 && h != nullptr) dump(h->heap_stats());
}

}  // namespace
}  // namespace fm::malloc_lib
