// Small-object churn in one thread: node-based containers and short strings built and torn down, the
// way a game's gameplay code uses the general heap between frames.
#include <list>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "workload.hpp"

int main() {
  std::uint64_t sum = 0;
  fm::bench::Rng rng(7);
  for (int round = 0; round < 12; ++round) {
    std::map<int, std::string> names;
    std::unordered_map<int, std::vector<int>> groups;
    std::list<std::unique_ptr<std::uint64_t>> objects;
    for (int i = 0; i < 60000; ++i) {
      const int key = static_cast<int>(rng.below(1 << 20));
      names[key] = "entity-" + std::to_string(key) + (key % 3 == 0 ? "-with-a-longer-name" : "");
      groups[key % 4096].push_back(i);
      objects.push_back(std::make_unique<std::uint64_t>(rng.next()));
      if (objects.size() > 5000) objects.pop_front();
    }
    for (auto& [k, v] : names) sum += v.size();
    for (auto& [k, v] : groups) sum += v.size();
  }
  fm::bench::report("churn", sum);
}
