// framemem-replay: validates a trace (docs/trace.md), replays it faithfully in this process, or compares
// allocators by replaying it in one child process per allocator (docs/replay.md).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "compare.hpp"
#include "fm/trace/reader.hpp"
#include "replay.hpp"
#include "what_if.hpp"

namespace {

using namespace fm::replay;

constexpr char usage[] =
    "usage: framemem-replay [--check | --what-if | --against LIST] [--rounds N] [--json PATH] [--png PATH] TRACE\n"
    "  (default)        validate TRACE, replay it with this process's malloc, print a summary\n"
    "  --check          validate TRACE only\n"
    "  --against LIST   replay once per allocator in a child process (LD_PRELOAD), rounds interleaved;\n"
    "                   LIST: glibc,mimalloc,jemalloc,tcmalloc,framemem or name=/path/lib.so\n"
    "  --what-if        replay each system alone onto malloc and every fm strategy its profile admits\n"
    "                   (FrameArena, StackAllocator, Pool, Heap) and recommend the fastest\n"
    "  --rounds N       rounds of --against and --what-if (default 3)\n"
    "  --json PATH      write the comparison as JSON\n"
    "  --png PATH       draw the comparison as a PNG chart (gnuplot): time, the allocator's peak RSS,\n"
    "                   its RSS and fragmentation (its RSS / live bytes) at each frame end\n"
    "RSS figures are the allocator's: the process RSS minus the RSS sampled just before the first event,\n"
    "when the replayer (binary, libraries, threads, its plan of the trace, mapped and faulted in) is resident\n"
    "and the allocator has served none of it: the trace is read and planned once, in the parent process.\n"
    "The JSON keeps the process figures too (process_rss_at_start_kb, plan_rss_kb, process_peak_rss_kb).\n"
    "exit status: 0 ok, 1 usage error, 2 bad or unreadable trace, unknown or missing allocator,\n"
    "             3 a block's contents were corrupted, 4 the allocator returned null\n";

struct Options {
  std::string trace;
  std::string against;
  std::string json;
  std::string png;
  std::string child;        // internal: the allocator this child replays under
  std::string expect_lib;   // internal: the library the child must find mapped
  int plan_fd = -1;         // internal: the descriptor of the plan the child replays
  unsigned rounds = 3;
  bool check = false;
  bool what_if = false;
};

[[noreturn]] void usage_error(const std::string& why) {
  std::fprintf(stderr, "framemem-replay: %s\n%s", why.c_str(), usage);
  std::exit(exit_usage);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::fputs(usage, stdout);
      std::exit(exit_ok);
    } else if (a == "--check") {
      o.check = true;
    } else if (a == "--what-if") {
      o.what_if = true;
    } else if (a == "--against") {
      o.against = value();
    } else if (a == "--json") {
      o.json = value();
    } else if (a == "--png") {
      o.png = value();
    } else if (a == "--rounds") {
      const std::string v = value();
      o.rounds = static_cast<unsigned>(std::strtoul(v.c_str(), nullptr, 10));
      if (o.rounds == 0) usage_error("--rounds needs a positive number, got '" + v + "'");
    } else if (a == "--child") {
      o.child = value();
    } else if (a == "--expect-lib") {
      o.expect_lib = value();
    } else if (a == "--plan") {
      o.plan_fd = static_cast<int>(std::strtol(value().c_str(), nullptr, 10));
    } else if (!a.empty() && a[0] == '-') {
      usage_error("unknown option " + a);
    } else if (o.trace.empty()) {
      o.trace = a;
    } else {
      usage_error("one trace at a time (got '" + o.trace + "' and '" + a + "')");
    }
  }
  if (o.trace.empty()) usage_error("no trace given");
  return o;
}

// Bytes per event by op, measured from the offsets of consecutive events of one chunk (the last event of
// each chunk has no successor there and is left out).
void print_event_sizes(const fm::trace::Trace& t) {
  constexpr const char* names[] = {"allocate", "free", "realloc", "reset", "rewind", "frame begin", "frame end"};
  std::uint64_t count[7] = {}, bytes[7] = {};
  for (std::size_t i = 0; i + 1 < t.events.size(); ++i) {
    const auto& e = t.events[i];
    const auto& next = t.events[i + 1];
    const std::uint64_t size = t.offsets[i + 1] - t.offsets[i];
    if (next.thread != e.thread || next.sequence != e.sequence + 1 || size > 1 + 5 * fm::trace::max_varint_bytes) continue;
    ++count[static_cast<int>(e.op)];
    bytes[static_cast<int>(e.op)] += size;
  }
  std::printf("%zu bytes in all, %.2f bytes per event including framing and tables\n", static_cast<std::size_t>(t.bytes),
              t.events.empty() ? 0.0 : static_cast<double>(t.bytes) / static_cast<double>(t.events.size()));
  for (int op = 0; op < 7; ++op) {
    if (count[op] == 0) continue;
    std::printf("  %-11s %10llu events, %5.2f bytes each\n", names[op], static_cast<unsigned long long>(count[op]),
                static_cast<double>(bytes[op]) / static_cast<double>(count[op]));
  }
}

void print_summary(const Result& r) {
  std::printf("replayed %llu events, %llu blocks on %llu threads, %zu frames in %.3f ms; malloc's peak RSS %.1f MiB "
              "(process %.1f MiB)\n",
              static_cast<unsigned long long>(r.events), static_cast<unsigned long long>(r.blocks),
              static_cast<unsigned long long>(r.threads), r.frame_ns.size(), static_cast<double>(r.total_ns) / 1e6,
              static_cast<double>(r.allocator_peak_rss_kb) / 1024.0, static_cast<double>(r.process_peak_rss_kb) / 1024.0);
  std::printf("verified %llu of %llu blocks\n", static_cast<unsigned long long>(r.verified),
              static_cast<unsigned long long>(r.blocks));
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  try {
    if (o.plan_fd >= 0) {
      Result r = replay(o.plan_fd, o.child);
      r.preloaded = library_mapped(o.expect_lib);
      std::printf("%s\n", to_json(r).c_str());
      return exit_ok;
    }
    if (!o.against.empty()) {
      // The trace is read, rejected if bad and planned once, here, before any child runs.
      const int plan = fm::replay::write_plan(fm::trace::read(o.trace));
      CompareOptions c{o.trace, resolve_peers(o.against), o.rounds, o.json, o.png, plan};
      const int rc = compare(c);
      ::close(c.plan_fd);
      return rc;
    }
    fm::trace::Trace t = fm::trace::read(o.trace);
    if (o.check) {
      std::printf("%s: valid, %zu events, %zu blocks, %zu threads, %zu systems\n", o.trace.c_str(), t.events.size(),
                  t.blocks.size(), t.threads.size(), t.systems.size());
      if (t.events_dropped > 0) {
        std::printf("events dropped while the trace closed: %llu (not in the file, which holds each thread's events "
                    "up to its first dropped one)\n", static_cast<unsigned long long>(t.events_dropped));
      }
      print_event_sizes(t);
      return exit_ok;
    }
    if (o.what_if) {
      print_what_if(what_if(t, o.rounds));
      return exit_ok;
    }
    const int plan = fm::replay::write_plan(t);
    // Released before the replay; pages malloc keeps from it and reuses are not counted as the replay's,
    // which is why --against plans in the parent and replays in a child.
    t = fm::trace::Trace{};
    const Result r = replay(plan, "in-process");
    ::close(plan);
    print_summary(r);
    return exit_ok;
  } catch (const fm::trace::bad_trace& e) {
    std::fprintf(stderr, "framemem-replay: %s\n", e.what());
    return exit_bad_input;
  } catch (const fm::error& e) {
    std::fprintf(stderr, "framemem-replay: %s\n", e.what());
    return exit_bad_input;
  }
}
