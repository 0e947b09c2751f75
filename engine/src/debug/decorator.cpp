// Shared by the debug decorators' messages.
#include "fm/debug/decorator.hpp"

#include <cstdint>
#include <cstdio>

namespace fm::debug {

std::string describe_address(const void* p) {
  char text[2 + 2 * sizeof(void*) + 1];
  std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(p)));
  return text;
}

bad_free foreign_pointer(std::string_view allocator, const void* p) {
  return bad_free("foreign pointer in '" + std::string(allocator) + "': " + describe_address(p) +
                  " was not allocated by this allocator");
}

}  // namespace fm::debug
