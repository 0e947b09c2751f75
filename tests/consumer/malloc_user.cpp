// A program linked with fm::malloc (no LD_PRELOAD): its malloc, free and operator new must be framemem's.
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

namespace {

std::string library_of(const char* symbol) {
  Dl_info info{};
  void* sym = dlsym(RTLD_DEFAULT, symbol);
  return sym != nullptr && dladdr(sym, &info) != 0 && info.dli_fname != nullptr ? info.dli_fname : "(none)";
}

bool from_framemem(const char* symbol) {
  const std::string lib = library_of(symbol);
  const bool ok = lib.find("libframemem_malloc") != std::string::npos;
  std::printf("malloc consumer: %s -> %s%s\n", symbol, lib.c_str(), ok ? "" : "  (expected libframemem_malloc)");
  return ok;
}

}  // namespace

int main() {
  bool ok = from_framemem("malloc") && from_framemem("free") && from_framemem("_Znwm");
  void* p = std::malloc(100);
  if (p == nullptr) return 1;
  std::memset(p, 0xab, 100);
  std::free(p);
  auto q = std::make_unique<int[]>(1000);  // operator new[] and delete[] through the same heap
  ok = ok && q[999] == 0;
  return ok ? 0 : 1;
}
