// fm::trace::Writer on one thread at a time: what happens to events recorded after the trace was closed.
#include <doctest/doctest.h>

#include <cstdio>
#include <thread>
#include <vector>

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

#if defined(__GLIBC__)
// A FILE (glibc's fopencookie) that keeps what the writer writes and, at the writer's first CHUNK record,
// records one event from the writer's own thread. The test's events fit in the first chunk, which goes to
// the writer thread only once close() has begun, so that event comes after close() began and before the
// END record: the case of a thread still allocating while a process exits, made certain.
class CloseRaceFile {
 public:
  std::FILE* open() {
    return ::fopencookie(this, "wb", {.read = nullptr, .write = &CloseRaceFile::write, .seek = nullptr, .close = nullptr});
  }
  fm::trace::Writer* writer = nullptr;
  std::vector<std::uint8_t> bytes;
  bool raced = false;

 private:
  static ssize_t write(void* cookie, const char* data, std::size_t size) {
    auto& f = *static_cast<CloseRaceFile*>(cookie);
    const bool chunk_record = size > 0 && data[0] == static_cast<char>(fm::trace::Record::chunk);
    if (chunk_record && !f.raced && f.writer != nullptr) {
      f.raced = true;
      f.writer->free(0x1000);
    }
    f.bytes.insert(f.bytes.end(), data, data + size);
    return static_cast<ssize_t>(size);
  }
};

TEST_CASE("events dropped while close() writes the file are counted in its END record, which the reader returns") {
  CloseRaceFile file;
  fm::trace::Writer w(file.open(), "close-race.fmt", {.chunk_bytes = 256, .chunks = 2});
  file.writer = &w;
  const std::uint32_t s = w.system("heap");
  w.allocate(s, 0x1000, 64, 16);
  w.close();
  REQUIRE(file.raced);
  CHECK(w.events_dropped() == 1);
  CHECK(w.events_dropped_in_file() == 1);
  const fm::trace::Trace t = fm::trace::parse(file.bytes, "close-race.fmt");
  CHECK(t.events.size() == 1);
  CHECK(t.events_dropped == 1);

  w.free(0x1000);  // after the file was completed: counted by the writer, not in the file
  CHECK(w.events_dropped() == 2);
  CHECK(w.events_dropped_in_file() == 1);
}
#endif

// Readers that predate the dropped count read every trace without drops: its END record keeps three fields.
TEST_CASE("a trace closed without drops ends with the three-field END record and reads as none dropped") {
  const ScratchFile file("writer_no_drops");
  fm::trace::Writer w(file.path(), {.chunk_bytes = 256, .chunks = 2});
  w.allocate(w.system("heap"), 0x1000, 64, 16);
  w.close();
  CHECK(w.events_dropped_in_file() == 0);
  const std::vector<std::uint8_t> bytes = file.bytes();
  REQUIRE(bytes.size() > 5);
  // END, payload of 3 bytes: 1 event, 1 thread, 1 system.
  CHECK(std::vector<std::uint8_t>(bytes.end() - 5, bytes.end()) == std::vector<std::uint8_t>{4, 3, 1, 1, 1});
  CHECK(fm::trace::read(file.path()).events_dropped == 0);
}

}  // namespace
