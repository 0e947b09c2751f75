// fm::trace::Writer on one thread at a time: what happens to events recorded after the trace was closed.
#include <doctest/doctest.h>

#include <thread>

#include "fm/trace/reader.hpp"
#include "fm/trace/writer.hpp"
#include "model/trace_model.hpp"

namespace {

using fm::model::ScratchFile;

// A process that exits while another thread still allocates records into a trace its exit closes: those
// events are dropped and counted, never reported to the error handler (which ends the program in a build
// without exceptions), whether the thread recorded before the close or attaches after it.
TEST_CASE("events recorded after close() are dropped and counted, not reported as errors") {
  const ScratchFile file("writer_after_close");
  fm::trace::Writer w(file.path(), {.chunk_bytes = 256, .chunks = 2});
  const std::uint32_t s = w.system("heap");
  w.allocate(s, 0x1000, 64, 16);
  w.close();
  CHECK(w.events_dropped() == 0);

  CHECK_NOTHROW(w.free(0x1000));  // the thread that recorded before: its chunk went to the file
  CHECK_NOTHROW(w.allocate(s, 0x2000, 64, 16));
  CHECK_NOTHROW(w.realloc(0x2000, 0x3000, 128, 16));
  CHECK_NOTHROW(w.reset(s));
  CHECK_NOTHROW(w.rewind(s, 1));
  CHECK_NOTHROW(w.frame_begin(1));
  CHECK_NOTHROW(w.frame_end(1));
  bool reported = false;
  std::thread([&] {  // a thread that never recorded before, so it would attach
    try {
      w.allocate(s, 0x4000, 64, 16);
      w.free(0x4000);
    } catch (const std::exception&) {
      reported = true;
    }
  }).join();
  CHECK_FALSE(reported);
  CHECK(w.events_dropped() == 9);
  CHECK(w.events_written() == 1);
  CHECK_NOTHROW(w.close());  // closing again changes nothing

  const fm::trace::Trace t = fm::trace::read(file.path());
  REQUIRE(t.events.size() == 1);
  CHECK(t.events[0].id == 0x1000);
  CHECK(t.threads.size() == 1);
}

}  // namespace
