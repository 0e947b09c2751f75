// The reader's rejections, one per kind of bad input, each naming file, byte offset, event and expectation.
#include <doctest/doctest.h>

#include "trace/support.hpp"

namespace {

using fm::model::ScratchFile;
using fm::test::rejection;
using fm::test::write_trace;

std::vector<std::uint8_t> small_valid_trace(const ScratchFile& file) {
  return write_trace(file, [](fm::trace::Writer& w, std::uint32_t s) {
    w.frame_begin(1);
    w.allocate(s, 0x1000, 64, 16);
    w.allocate(s, 0x2000, 32, 8);
    w.free(0x1000);
    w.frame_end(1);
  });
}

TEST_CASE("a valid trace reads back with its tables and block lifetimes") {
  const ScratchFile file("reader_valid");
  const fm::trace::Trace t = fm::trace::parse(small_valid_trace(file), "valid.fmt");
  CHECK(t.systems == std::vector<std::string>{"particles"});
  CHECK(t.threads.size() == 1);
  REQUIRE(t.events.size() == 5);
  REQUIRE(t.blocks.size() == 2);
  CHECK(t.blocks[0].id == 0x1000);
  CHECK(t.blocks[0].size == 64);
  CHECK(t.blocks[0].align == 16);
  CHECK(t.blocks[0].ended_by == 3);
  CHECK(t.blocks[1].ended_by == fm::trace::no_block);
  CHECK(t.ends(3).size() == 1);
}

TEST_CASE("a truncated trace is rejected, saying where it was cut") {
  const ScratchFile file("reader_truncated");
  std::vector<std::uint8_t> bytes = small_valid_trace(file);
  bytes.resize(bytes.size() - 6);  // into the last chunk
  const std::string m = rejection(bytes, "cut.fmt");
  CHECK(m.find("cut.fmt: byte ") == 0);
  CHECK(m.find("runs past the end of the file (truncated); expected a complete record") != std::string::npos);

  bytes = small_valid_trace(file);
  bytes.resize(bytes.size() - 5);  // exactly the END record: kind, length and three one-byte totals
  CHECK(rejection(bytes, "cut.fmt").find("no END record (the file was cut short); expected an END record") !=
        std::string::npos);
}

TEST_CASE("a file with the wrong magic is rejected at byte 0") {
  const ScratchFile file("reader_magic");
  std::vector<std::uint8_t> bytes = small_valid_trace(file);
  bytes[0] = 'X';
  CHECK(rejection(bytes) == "bad.fmt: byte 0: wrong magic (not a framemem trace); expected \"FMTRACE\\x1a\"");
}

TEST_CASE("a trace of another format version is rejected at its version field") {
  const ScratchFile file("reader_version");
  std::vector<std::uint8_t> bytes = small_valid_trace(file);
  bytes[8] = 1;  // the format before stamps became logical clocks
  CHECK(rejection(bytes) == "bad.fmt: byte 8: version 1; expected version 2");
}

TEST_CASE("a free of a block no event allocated is rejected at that event") {
  const ScratchFile file("reader_unknown");
  const auto bytes = write_trace(file, [](fm::trace::Writer& w, std::uint32_t s) {
    w.allocate(s, 0x1000, 64, 16);
    w.free(0x1040);
  });
  const std::string m = rejection(bytes);
  CHECK(m.find(", event 2: free of unknown block 0x1040 (no event allocated it); expected a live block") !=
        std::string::npos);
}

TEST_CASE("a double free in a trace is rejected, naming the events that allocated and freed the block") {
  const ScratchFile file("reader_double");
  const auto bytes = write_trace(file, [](fm::trace::Writer& w, std::uint32_t s) {
    w.allocate(s, 0x1000, 64, 16);
    w.free(0x1000);
    w.free(0x1000);
  });
  try {
    (void)fm::trace::parse(bytes, "bad.fmt");
    FAIL("accepted");
  } catch (const fm::trace::bad_trace& e) {
    CHECK(e.event() == 3);
    CHECK(bytes.at(e.offset()) == static_cast<std::uint8_t>(fm::trace::Op::free));  // the event's op byte
    CHECK(std::string(e.what()) == "bad.fmt: byte " + std::to_string(e.offset()) +
                                       ", event 3: double free of block 0x1000 (allocated by event 1, freed by "
                                       "event 2); expected a live block");
  }
}

TEST_CASE("an absurd size is rejected at its field") {
  const ScratchFile file("reader_absurd");
  const auto bytes = write_trace(file, [](fm::trace::Writer& w, std::uint32_t s) {
    w.allocate(s, 0x1000, std::uint64_t{1} << 50, 16);
  });
  CHECK(rejection(bytes).find(", event 1: absurd size 1125899906842624 bytes; expected at most 2^40 bytes") !=
        std::string::npos);
}

}  // namespace
