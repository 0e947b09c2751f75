// Reads cache geometry from sysfs: one directory per cache (index0, index1, ...) with small text files.
#include "fm/cache/cache_geometry.hpp"

#include <charconv>
#include <cstdio>
#include <optional>

#include "../os/os.hpp"

namespace fm {

namespace {

// C stdio, not <fstream>: the malloc library links this file (through the OS layer) with its own copy of the
// C++ runtime, and an ifstream would bring the locale machinery and its start-up code into every process
// that preloads it.
std::optional<std::string> read_word(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) return std::nullopt;
  char word[64];  // sysfs cache attributes are a few characters ("32K", "Unified", "0-1")
  const int read = std::fscanf(file, "%63s", word);
  std::fclose(file);
  if (read != 1) return std::nullopt;
  return std::string(word);
}

// "32K", "1024K", "8M" or a plain byte count.
std::optional<std::size_t> read_size(const std::string& path) {
  const auto word = read_word(path);
  if (!word || word->empty()) return std::nullopt;
  std::size_t value = 0;
  const char* end = word->data() + word->size();
  const auto r = std::from_chars(word->data(), end, value);
  if (r.ec != std::errc{}) return std::nullopt;
  if (r.ptr == end) return value;
  if (r.ptr + 1 != end) return std::nullopt;
  switch (*r.ptr) {
    case 'K': return value * 1024;
    case 'M': return value * 1024 * 1024;
    default: return std::nullopt;
  }
}

std::optional<CacheLevelGeometry> read_level(const std::string& index) {
  const auto size = read_size(index + "/size");
  const auto line = read_size(index + "/coherency_line_size");
  const auto ways = read_size(index + "/ways_of_associativity");
  if (!size || !line || !ways) return std::nullopt;
  const CacheLevelGeometry g{*size, *line, *ways};
  if (!g.valid()) return std::nullopt;
  return g;
}

}  // namespace

CacheGeometry read_cache_geometry(const std::string& dir) {
  std::optional<CacheLevelGeometry> l1d;
  std::optional<CacheLevelGeometry> l2;
  for (int i = 0; i < 16; ++i) {
    const std::string index = dir + "/index" + std::to_string(i);
    const auto level = read_word(index + "/level");
    const auto type = read_word(index + "/type");
    if (!level || !type) continue;
    if (*level == "1" && *type == "Data") l1d = read_level(index);
    if (*level == "2" && (*type == "Unified" || *type == "Data")) l2 = read_level(index);
  }
  if (!l1d || !l2) return fallback_cache_geometry;
  return {*l1d, *l2, true};
}

CacheGeometry detect_cache_geometry() { return os::cache_geometry(); }

namespace {
std::string describe(const char* name, const CacheLevelGeometry& l) {
  return std::string(name) + " " + std::to_string(l.size_bytes / 1024) + " KiB " + std::to_string(l.ways) + "-way " +
         std::to_string(l.line_bytes) + " B lines";
}
}  // namespace

std::string describe(const CacheGeometry& g) {
  return describe("L1d", g.l1d) + ", " + describe("L2", g.l2) + (g.from_sysfs ? " (sysfs)" : " (fallback)");
}

}  // namespace fm
