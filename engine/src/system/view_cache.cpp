// The cache panel's view model of fm/system/view_cache.hpp.
#include "fm/system/view_cache.hpp"

namespace fm {

CacheRow cache_row(const CacheFigure& f) noexcept {
  if (!f.available) return {f.label, false, 0.0, "", "unavailable on this machine", true};
  return {f.label, true, f.value, f.unit, f.how, false};
}

}  // namespace fm
