// Specification of demo/sim/entities.hpp: the four entity stores behave the same under the shared
// simulation, and each one that can detect a dead target does.
#include "sim/entities.hpp"

#include <doctest/doctest.h>

#include <vector>

using namespace fm::sim;

namespace {
EntityState state(std::uint32_t id) { return {float(id), float(id % 7), 0, 0, 100, id, id % 2, 0}; }

// Builds a ring of chasers, kills every third, runs the shared simulation, returns positions by id.
template <class Store>
std::vector<float> run(Store& store) {
  std::vector<typename Store::Ref> refs;
  for (std::uint32_t i = 0; i < 60; ++i) refs.push_back(store.create(state(i)));
  for (std::size_t i = 0; i < refs.size(); ++i) store.resolve(refs[i])->target = refs[(i + 1) % refs.size()];
  for (std::size_t i = 0; i < refs.size(); i += 3) store.destroy(refs[i]);
  if constexpr (Store::detects_stale) {
    for (std::size_t i = 0; i < refs.size(); i += 3) CHECK(store.resolve(refs[i]) == nullptr);
  }
  for (int frame = 0; frame < 5; ++frame) steer_towards_targets(store, 0.1F);
  std::vector<float> xs(refs.size(), -1.0F);
  std::size_t without_target = 0;
  store.each([&](auto& e) {
    xs[e.state.id] = e.state.x;
    if (store.resolve(e.target) == nullptr) ++without_target;
  });
  CHECK(store.size() == 40);
  CHECK(without_target == 20);  // those whose target was killed dropped it
  return xs;
}
}  // namespace

TEST_CASE("all four entity stores run the same simulation to the same state") {
  RawPointerEntities raw;
  SharedEntities shared;
  MapEntities map;
  HandleEntities handles;
  const auto expected = run(raw);
  CHECK(run(shared) == expected);
  CHECK(run(map) == expected);
  CHECK(run(handles) == expected);
  CHECK(expected[1] != 1.0F);  // chasers moved
}

TEST_CASE("handle entities print and report staleness through the pool") {
  HandleEntities store;
  const auto h = store.create(state(1));
  CHECK(fm::to_string(h) == "entity#0@1");
  store.destroy(h);
  CHECK_THROWS_AS((void)store.pool().at(h), fm::stale_handle);
}
