// Defines the symbols fm/config.hpp makes every consumer translation unit reference: one per option, named
// with the value this library was built with, so only consumers that agree with it link.
#include "fm/config.hpp"

namespace fm::library_config {
#define FM_CONFIG_DEFINE(prefix, value) const char FM_CONFIG_SYMBOL(prefix, value) = 0;
FM_CONFIG_OPTIONS(FM_CONFIG_DEFINE)
#undef FM_CONFIG_DEFINE
}  // namespace fm::library_config
