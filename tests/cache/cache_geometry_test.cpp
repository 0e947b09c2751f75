// Specification of fm/cache/cache_geometry.hpp: sysfs parsing on a fake tree, and the fallback.
#include "fm/cache/cache_geometry.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

namespace {

namespace fs = std::filesystem;

// A throwaway sysfs-like tree: index<i>/<file> = value.
struct FakeSysfs {
  // A random name: test cases of this file may run at once in separate processes.
  fs::path root = fs::temp_directory_path() / ("fm_cache_geometry_" + std::to_string(std::random_device{}()));
  explicit FakeSysfs(const std::map<std::string, std::string>& files) {
    fs::remove_all(root);
    for (const auto& [path, value] : files) {
      fs::create_directories((root / path).parent_path());
      std::ofstream(root / path) << value << "\n";
    }
  }
  ~FakeSysfs() { fs::remove_all(root); }
};

std::map<std::string, std::string> typical() {
  return {{"index0/level", "1"}, {"index0/type", "Data"},        {"index0/size", "48K"},
          {"index0/ways_of_associativity", "12"},                {"index0/coherency_line_size", "64"},
          {"index1/level", "1"}, {"index1/type", "Instruction"}, {"index1/size", "32K"},
          {"index1/ways_of_associativity", "8"},                 {"index1/coherency_line_size", "64"},
          {"index2/level", "2"}, {"index2/type", "Unified"},     {"index2/size", "2048K"},
          {"index2/ways_of_associativity", "16"},                {"index2/coherency_line_size", "64"}};
}

}  // namespace

TEST_CASE("L1d and L2 are read from sysfs, skipping the instruction cache") {
  const FakeSysfs sys(typical());
  const fm::CacheGeometry g = fm::read_cache_geometry(sys.root.string());
  CHECK(g.from_sysfs);
  CHECK(g.l1d.size_bytes == 48 * 1024);
  CHECK(g.l1d.ways == 12);
  CHECK(g.l1d.line_bytes == 64);
  CHECK(g.l1d.sets() == 64);
  CHECK(g.l2.size_bytes == 2048 * 1024);
  CHECK(g.l2.ways == 16);
  CHECK(fm::describe(g) == "L1d 48 KiB 12-way 64 B lines, L2 2048 KiB 16-way 64 B lines (sysfs)");
}

TEST_CASE("a missing or malformed sysfs description gives the documented fallback") {
  auto files = typical();
  files["index0/size"] = "48Q";
  const FakeSysfs sys(files);
  const fm::CacheGeometry g = fm::read_cache_geometry(sys.root.string());
  CHECK_FALSE(g.from_sysfs);
  CHECK(g.l1d.size_bytes == 32 * 1024);
  CHECK(g.l2.size_bytes == 1024 * 1024);

  const fm::CacheGeometry none = fm::read_cache_geometry((sys.root / "absent").string());
  CHECK_FALSE(none.from_sysfs);
  CHECK(fm::describe(none) == "L1d 32 KiB 8-way 64 B lines, L2 1024 KiB 16-way 64 B lines (fallback)");
}

TEST_CASE("this machine's geometry is valid whether it came from sysfs or the fallback") {
  const fm::CacheGeometry g = fm::detect_cache_geometry();
  CHECK(g.l1d.valid());
  CHECK(g.l2.valid());
  MESSAGE("cache geometry here: ", fm::describe(g));
}
