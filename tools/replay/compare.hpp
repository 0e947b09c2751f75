// --against: one child process per allocator (LD_PRELOAD of its shared library), interleaved over rounds,
// summarised per allocator as a table and JSON.
#pragma once

#include <string>
#include <vector>

namespace fm::replay {

struct Peer {
  std::string name;
  std::string library;  // empty: the C library's own malloc
};

// The allocators named in `list` ("glibc,mimalloc" or "name=/path/lib.so"); throws fm::error naming an
// unknown allocator or a library that is not there.
[[nodiscard]] std::vector<Peer> resolve_peers(const std::string& list);

// Whether `library` is mapped into this process (an empty name always is: the C library).
[[nodiscard]] bool library_mapped(const std::string& library);

struct CompareOptions {
  std::string trace;
  std::vector<Peer> peers;
  unsigned rounds = 3;
  std::string json;  // where to write the JSON; empty: none
  std::string png;   // where to draw the chart (gnuplot); empty: none
  int plan_fd = -1;  // the trace's replay plan (write_plan), inherited by every child
};

// Runs the comparison and prints the table; returns the tool's exit status (a failing child's, if any).
[[nodiscard]] int compare(const CompareOptions& options);

}  // namespace fm::replay
