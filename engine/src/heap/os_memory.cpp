// The heap's view of OS memory: mappings kept inside the address range its unit maps cover (the OS layer
// does the mapping), and the unit map that tells free() which mappings are the heap's.
#include <atomic>
#include <cstdint>

#include "../os/os.hpp"
#include "heap_state.hpp"

namespace fm::heap {

void* map_aligned(std::size_t size, std::size_t align) noexcept {
  if (size > (std::size_t{1} << address_bits) || align > (std::size_t{1} << (address_bits - 1))) return nullptr;
  void* p = os::map_aligned(size, align);
  if (p == nullptr) return nullptr;
  if (!in_address_range(reinterpret_cast<std::uintptr_t>(p) + size)) {
    os::unmap(p, size);
    return nullptr;
  }
  return p;
}

constinit UnitMap unit_map;

}  // namespace fm::heap
