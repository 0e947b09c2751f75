// The --against comparison: each round runs every allocator once in a fresh child (LD_PRELOAD set, or
// cleared for glibc), reads its one-line JSON result, and checks the library was really in use and every
// block was verified; then per allocator: median total time, per-frame p50/p99/max, the allocator's peak
// RSS. The children replay one plan, written once by this process, and never read the trace themselves.
#include "compare.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "fm/core/error.hpp"
#include "fm/core/json_string.hpp"
#include "fm/trace/comparison.hpp"
#include "chart.hpp"
#include "replay.hpp"

namespace fm::replay {

namespace {

struct Known {
  const char* name;
  const char* library;
};

#ifndef FM_FRAMEMEM_MALLOC
#define FM_FRAMEMEM_MALLOC "libframemem_malloc.so"
#endif

constexpr Known known[] = {
    {"glibc", ""},
    {"mimalloc", FM_PEER_MIMALLOC},
    {"jemalloc", FM_PEER_JEMALLOC},
    {"tcmalloc", FM_PEER_TCMALLOC},
    {"framemem", FM_FRAMEMEM_MALLOC},
};

bool exists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string self_exe() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw error("cannot find this program's own path (/proc/self/exe)");
  return std::string(buf, static_cast<std::size_t>(n));
}

// Runs one replay child; its stdout is the JSON line, its stderr goes to ours. Returns its exit status.
int run_child(const CompareOptions& o, const Peer& peer, std::string& out) {
  int fds[2];
  if (::pipe(fds) != 0) throw error(std::string("pipe: ") + std::strerror(errno));
  const std::string exe = self_exe();
  const std::string plan = std::to_string(o.plan_fd);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    ::fcntl(o.plan_fd, F_SETFD, 0);  // the plan outlives exec in this child only
    if (peer.library.empty()) {
      ::unsetenv("LD_PRELOAD");
    } else {
      ::setenv("LD_PRELOAD", peer.library.c_str(), 1);
    }
    const char* argv[] = {exe.c_str(), "--child", peer.name.c_str(), "--expect-lib", peer.library.c_str(),
                          "--plan", plan.c_str(), o.trace.c_str(), nullptr};
    ::execv(exe.c_str(), const_cast<char* const*>(argv));
    std::_Exit(127);
  }
  ::close(fds[1]);
  char buf[65536];
  ssize_t n = 0;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::uint64_t percentile(std::vector<std::uint64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(rank, v.size() - 1)];
}

struct Summary {
  const Peer* peer = nullptr;
  std::vector<Result> rounds;
  trace::AllocatorFigures figures;
  const Result* median_round = nullptr;
};

Summary summarise(const Peer& peer, std::vector<Result> rounds) {
  Summary s;
  s.peer = &peer;
  s.rounds = std::move(rounds);
  std::vector<std::uint64_t> totals, peaks, frames;
  for (const auto& r : s.rounds) {
    totals.push_back(r.total_ns);
    peaks.push_back(r.allocator_peak_rss_kb);
    frames.insert(frames.end(), r.frame_ns.begin(), r.frame_ns.end());
  }
  trace::AllocatorFigures& f = s.figures;
  f.total_ns_median = percentile(totals, 0.5);
  f.peak_rss_kb = percentile(peaks, 0.5);
  f.frame_p50_ns = percentile(frames, 0.5);
  f.frame_p99_ns = percentile(frames, 0.99);
  f.frame_max_ns = frames.empty() ? 0 : *std::max_element(frames.begin(), frames.end());
  for (const auto& r : s.rounds) {
    if (r.total_ns == f.total_ns_median) s.median_round = &r;
  }
  return s;
}

// Frames per round: every round replays the same trace.
std::uint64_t frames_of(const std::vector<Summary>& all) { return all.front().rounds.front().frame_ns.size(); }

void print_table(const CompareOptions& o, const std::vector<Summary>& all) {
  const Result& any = all.front().rounds.front();
  std::printf("trace %s: %llu events, %llu blocks, %llu threads, %zu frames; %u rounds, allocators interleaved\n",
              o.trace.c_str(), static_cast<unsigned long long>(any.events), static_cast<unsigned long long>(any.blocks),
              static_cast<unsigned long long>(any.threads), any.frame_ns.size(), o.rounds);
  std::printf("%-10s %12s %14s %14s %14s %14s %10s\n", "allocator", "total ms", "frame p50 us", "frame p99 us",
              "frame max us", "alloc RSS MiB", "verified");
  // A trace without frames has no frame times: the columns say so rather than show a zero nobody measured.
  const bool have_frames = trace::has_frame_figures(frames_of(all));
  const auto frame_us = [have_frames](std::uint64_t ns) {
    char text[32] = "-";
    if (have_frames) std::snprintf(text, sizeof text, "%.1f", static_cast<double>(ns) / 1e3);
    return std::string(text);
  };
  for (const auto& s : all) {
    const trace::AllocatorFigures& f = s.figures;
    std::printf("%-10s %12.3f %14s %14s %14s %14.1f %10llu\n", s.peer->name.c_str(),
                static_cast<double>(f.total_ns_median) / 1e6, frame_us(f.frame_p50_ns).c_str(),
                frame_us(f.frame_p99_ns).c_str(), frame_us(f.frame_max_ns).c_str(),
                static_cast<double>(f.peak_rss_kb) / 1024.0,
                static_cast<unsigned long long>(s.rounds.front().verified));
  }
  std::printf("every block verified under every allocator (%llu blocks each round)\n",
              static_cast<unsigned long long>(any.blocks));
  std::printf("alloc RSS: the allocator's peak, median of rounds: process RSS minus the RSS before the first event\n"
              "(the replayer's %.1f MiB, of which its plan %.1f MiB, mapped before the allocator served anything)\n",
              static_cast<double>(any.process_rss_at_start_kb) / 1024.0, static_cast<double>(any.plan_rss_kb) / 1024.0);
}

// A path as a JSON string.
std::string json_string(const std::string& s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

void write_json(const CompareOptions& o, const std::vector<Summary>& all) {
  std::ofstream out(o.json);
  const std::uint64_t frames = frames_of(all);
  out << "{\"trace\":" << json_string(o.trace) << ",\"rounds\":" << o.rounds << ",\"frames\":" << frames
      << ",\"allocators\":[";
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Summary& s = all[i];
    std::string figures;
    trace::append_json_members(figures, s.figures, frames);
    out << (i ? "," : "") << "{\"name\":\"" << s.peer->name << "\",\"library\":" << json_string(s.peer->library)
        << "," << figures << ",\"median_round\":" << to_json(*s.median_round) << ",\"total_ns\":[";
    for (std::size_t r = 0; r < s.rounds.size(); ++r) out << (r ? "," : "") << s.rounds[r].total_ns;
    out << "]}";
  }
  out << "]}\n";
  if (!out) throw error(o.json + ": writing the JSON failed");
}

}  // namespace

std::vector<Peer> resolve_peers(const std::string& list) {
  std::vector<Peer> peers;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    Peer p;
    if (const std::size_t eq = item.find('='); eq != std::string::npos) {
      p = {item.substr(0, eq), item.substr(eq + 1)};
    } else {
      const auto k = std::find_if(std::begin(known), std::end(known), [&](const Known& x) { return item == x.name; });
      if (k == std::end(known)) {
        throw error("unknown allocator '" + item + "'; expected glibc, mimalloc, jemalloc, tcmalloc, framemem or name=/path/lib.so");
      }
      p = {k->name, k->library};
    }
    // Names go into JSON and onto a command line unquoted: letters, digits, '_', '-' and '.' only.
    const bool plain = !p.name.empty() && std::all_of(p.name.begin(), p.name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    });
    if (!plain) throw error("allocator name '" + p.name + "': use letters, digits, '_', '-' and '.' only");
    if (!p.library.empty() && !exists(p.library)) {
      throw error("allocator '" + p.name + "': library " + p.library + " not found");
    }
    peers.push_back(p);
  }
  if (peers.empty()) throw error("--against needs at least one allocator");
  return peers;
}

bool library_mapped(const std::string& library) {
  if (library.empty()) return true;
  // The maps name the file itself, not a symlink such as libmimalloc.so.2 -> libmimalloc.so.2.0.
  char resolved[PATH_MAX];
  const std::string name = ::realpath(library.c_str(), resolved) ? std::string(resolved) : library;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.size() >= name.size() && line.compare(line.size() - name.size(), name.size(), name) == 0) return true;
  }
  return false;
}

int compare(const CompareOptions& o) {
  std::vector<std::vector<Result>> results(o.peers.size());
  for (unsigned round = 0; round < o.rounds; ++round) {
    for (std::size_t i = 0; i < o.peers.size(); ++i) {
      const Peer& peer = o.peers[i];
      std::string out;
      const int rc = run_child(o, peer, out);
      if (rc != exit_ok) {
        std::fprintf(stderr, "framemem-replay: the replay under '%s' failed (exit status %d)\n", peer.name.c_str(), rc);
        return rc;
      }
      Result r = from_json(out);
      if (!r.preloaded) {
        std::fprintf(stderr, "framemem-replay: allocator '%s': %s was not loaded into the replay (LD_PRELOAD ignored?)\n",
                     peer.name.c_str(), peer.library.c_str());
        return exit_bad_input;
      }
      if (r.verified != r.blocks) {
        std::fprintf(stderr, "framemem-replay: allocator '%s': %llu of %llu blocks verified\n", peer.name.c_str(),
                     static_cast<unsigned long long>(r.verified), static_cast<unsigned long long>(r.blocks));
        return exit_corrupted;
      }
      results[i].push_back(std::move(r));
    }
  }
  std::vector<Summary> all;
  for (std::size_t i = 0; i < o.peers.size(); ++i) all.push_back(summarise(o.peers[i], std::move(results[i])));
  print_table(o, all);
  if (!o.json.empty()) write_json(o, all);
  if (!o.png.empty()) {
    std::vector<ChartSeries> series;
    for (const auto& s : all) {
      series.push_back({s.peer->name, static_cast<double>(s.figures.total_ns_median) / 1e6,
                        static_cast<double>(s.figures.peak_rss_kb) / 1024.0, s.median_round->allocator_rss_kb, s.median_round->live_bytes});
    }
    draw_chart(o.png, "framemem-replay --against: " + std::filesystem::path(o.trace).filename().string(), series,
               trace::has_frame_figures(frames_of(all)));
  }
  return exit_ok;
}

}  // namespace fm::replay
