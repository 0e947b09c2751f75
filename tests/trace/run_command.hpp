// Runs a shell command for the tests of the Linux-only trace programs (the malloc library's FRAMEMEM_TRACE,
// framemem-replay) and keeps its exit status and its output.
#pragma once

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace fm::test {

struct Run {
  int status = -1;
  std::string output;  // stdout and stderr
};

inline Run run_command(const std::string& command) {
  Run r;
  std::FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = ::pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace fm::test
