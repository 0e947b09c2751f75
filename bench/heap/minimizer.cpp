// Small-object churn of a two-level logic minimizer: the prime implicants of a random function of 18
// inputs, found by merging cubes that differ in one input, level by level. Every cube is its own heap
// object and every level builds a hash table and a cover, then drops the previous ones.
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "workload.hpp"

namespace {

constexpr unsigned inputs = 18;

// Two bits per input: 01 the input is 0, 10 it is 1, 11 either (a don't-care).
struct Cube {
  std::uint64_t bits = 0;
  bool merged = false;
};

[[nodiscard]] std::uint64_t field(std::uint64_t bits, unsigned input) { return bits >> (2 * input) & 3; }

// The minterms of a few random cubes: the function's on-set.
std::vector<Cube*> on_set(fm::bench::Rng& rng) {
  std::unordered_map<std::uint64_t, Cube*> seen;
  std::vector<Cube*> cover;
  for (int c = 0; c < 40; ++c) {
    std::uint64_t fixed = 0, free_mask = 0;
    for (unsigned i = 0; i < inputs; ++i) {
      if (rng.below(18) < 5) {
        free_mask |= std::uint64_t{1} << i;
      } else {
        fixed |= (rng.below(2) + 1) << (2 * i);
      }
    }
    for (std::uint64_t sub = free_mask;; sub = (sub - 1) & free_mask) {  // every assignment of the free inputs
      std::uint64_t bits = fixed;
      for (unsigned i = 0; i < inputs; ++i) {
        if (free_mask >> i & 1) bits |= ((sub >> i & 1) + 1) << (2 * i);
      }
      if (seen.emplace(bits, nullptr).second) cover.push_back(new Cube{bits});
      if (sub == 0) break;
    }
  }
  return cover;
}

}  // namespace

int main() {
  fm::bench::Rng rng(9);
  std::uint64_t primes = 0, cubes = 0;
  for (int function = 0; function < 3; ++function) {
    std::vector<Cube*> cover = on_set(rng);
    while (!cover.empty()) {
      std::unordered_map<std::uint64_t, Cube*> index;
      for (Cube* c : cover) index.emplace(c->bits, c);
      std::unordered_map<std::uint64_t, Cube*> next;
      for (Cube* c : cover) {
        for (unsigned i = 0; i < inputs; ++i) {
          const std::uint64_t f = field(c->bits, i);
          if (f == 3) continue;
          const auto partner = index.find(c->bits ^ (std::uint64_t{3} << (2 * i)));
          if (partner == index.end()) continue;
          c->merged = partner->second->merged = true;
          const std::uint64_t joined = c->bits | (std::uint64_t{3} << (2 * i));
          if (!next.contains(joined)) next.emplace(joined, new Cube{joined});
        }
      }
      for (Cube* c : cover) {
        primes += c->merged ? 0 : 1;
        ++cubes;
        delete c;
      }
      cover.clear();
      for (auto& [bits, c] : next) cover.push_back(c);
    }
  }
  fm::bench::report("minimizer", primes * 1000003 + cubes);
}
