// Runs a piece of a test in a forked child, so a regression test can state that code which used to crash
// (SIGSEGV, an allocator abort) now runs to completion, without the crash taking the test executable down.
#pragma once

#if defined(_WIN32)

namespace fm::test {

// Windows has no fork(): the body runs in this process, so the test still checks its result, but a crash
// ends the whole executable (still a failed suite). 255 when it threw.
template <class F>
int run_in_child(F&& body) {
  try {
    return body();
  } catch (...) {
    return 255;
  }
}

}  // namespace fm::test

#else

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace fm::test {

// Exit status of `body()` (an int) run in a child process; 128 + the signal number when a signal killed it,
// 255 when it threw.
template <class F>
int run_in_child(F&& body) {
  std::fflush(nullptr);  // nothing buffered twice
  const pid_t pid = ::fork();
  if (pid == 0) {
    // The test framework's crash handlers would report the child's crash as the parent's test failing.
    for (const int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(sig, SIG_DFL);
    int rc = 255;
    try {
      rc = body();
    } catch (...) {
    }
    std::_Exit(rc);
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace fm::test

#endif
