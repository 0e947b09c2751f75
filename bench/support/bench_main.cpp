// Benchmark entry point: reports which library `malloc` resolves to before running, so a table never
// compares against a replaced baseline by accident.
#include <benchmark/benchmark.h>
#include <dlfcn.h>

#include <cstdio>

int main(int argc, char** argv) {
  Dl_info info{};
  void* sym = dlsym(RTLD_DEFAULT, "malloc");
  if (sym != nullptr && dladdr(sym, &info) != 0 && info.dli_fname != nullptr) {
    std::fprintf(stderr, "malloc resolves to %s\n", info.dli_fname);
    benchmark::AddCustomContext("malloc_from", info.dli_fname);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
