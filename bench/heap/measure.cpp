// Runs one command and prints "<wall seconds> <peak RSS KiB> <CPU seconds, user + system>" on stderr's last
// line (CPU time, unlike wall time, does not count the time a loaded machine's other processes took); with --preload=LIB
// only the child gets LD_PRELOAD, so the measuring process itself stays on the system allocator.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  int first = 1;
  const char* preload = nullptr;
  if (argc > 1 && std::strncmp(argv[1], "--preload=", 10) == 0) {
    preload = argv[1] + 10;
    first = 2;
  }
  if (first >= argc) {
    std::fprintf(stderr, "usage: fm_heap_measure [--preload=LIB] command [args...]\n");
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    if (preload != nullptr && *preload != '\0') setenv("LD_PRELOAD", preload, 1);
    execvp(argv[first], argv + first);
    std::perror("exec");
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  if (pid < 0 || wait4(pid, &status, 0, &usage) != pid) {
    std::perror("fork/wait4");
    return 2;
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "command failed (status %d)\n", status);
    return 1;
  }
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
  std::fprintf(stderr, "%.4f %ld %.4f\n", elapsed.count(), usage.ru_maxrss, seconds(usage.ru_utime) + seconds(usage.ru_stime));
  return 0;
}
