// Seeded sequences of the debug-layer model (debug_layers_model.hpp) for every stack of layers over every base.
#include <doctest/doctest.h>

#include "model/debug_layers_model.hpp"
#include "model/driver.hpp"

TEST_CASE("debug layers in every order over every allocator agree with the model, misuse included") {
  for (const auto& c : fm::model::debug_layers::combinations) {
    const std::string name = "debug_layers " + c.shape.name();
    fm::model::run_seeds(name.c_str(), 40, 120, c.run);
  }
}
