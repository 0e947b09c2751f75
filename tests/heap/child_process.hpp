// Runs part of a heap test in a forked child, so a crash (SIGSEGV, SIGFPE) or a sanitizer report fails
// that test instead of killing the whole test executable; the child's stderr is kept for the check.
#pragma once

#include <string>

#if defined(_WIN32)

namespace fm::test {

// Windows has no fork(): the body runs in this process, so the test still checks its result, but a crash
// ends the whole executable (still a failed suite) and stderr is not captured.
struct ChildResult {
  int status = 0;  // the body's return value
  std::string output;

  [[nodiscard]] bool exited_with(int code) const { return status == code; }
  [[nodiscard]] std::string describe() const { return "returned " + std::to_string(status) + " (run in-process)"; }
};

template <class Body>
ChildResult run_in_child(Body&& body) {
  ChildResult result{125, {}};
  try {
    result.status = body();
  } catch (...) {
  }
  return result;
}

}  // namespace fm::test

#else

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <exception>

namespace fm::test {

struct ChildResult {
  int status = 0;      // as from waitpid
  std::string output;  // what the child wrote to stderr

  [[nodiscard]] bool exited_with(int code) const { return WIFEXITED(status) && WEXITSTATUS(status) == code; }
  [[nodiscard]] std::string describe() const {
    if (WIFSIGNALED(status)) {
      return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
    }
    return "exited with " + std::to_string(WEXITSTATUS(status)) + "; stderr: " + output;
  }
};

// `body` returns the child's exit code; an exception escaping it exits with 125.
template <class Body>
ChildResult run_in_child(Body&& body) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return {-1, "pipe failed"};
  const pid_t pid = fork();
  if (pid == 0) {
    close(pipe_fds[0]);
    dup2(pipe_fds[1], STDERR_FILENO);
    int code = 125;
    try {
      code = body();
    } catch (...) {
    }
    _exit(code);
  }
  close(pipe_fds[1]);
  ChildResult result;
  char buf[4096];
  for (ssize_t n; (n = read(pipe_fds[0], buf, sizeof buf)) > 0;) result.output.append(buf, static_cast<std::size_t>(n));
  close(pipe_fds[0]);
  if (pid < 0 || waitpid(pid, &result.status, 0) != pid) result.status = -1;
  return result;
}

}  // namespace fm::test

#endif
