// Seeded random sequences of tests/model/pool_model.hpp over each kind of parent, misuse included.
#include "model/driver.hpp"
#include "model/pool_model.hpp"

namespace {

using fm::model::PoolParent;

TEST_CASE("pool over the global heap matches its model") {
  fm::model::run_seeds("pool/global heap", 300, 300,
                       [](fm::model::Source& src, std::size_t steps) { run_pool_over(PoolParent::global_heap, src, steps); });
}

TEST_CASE("pool over a ledger parent that cannot align its pages matches its model") {
  fm::model::run_seeds("pool/ledger", 300, 300,
                       [](fm::model::Source& src, std::size_t steps) { run_pool_over(PoolParent::ledger, src, steps); });
}

TEST_CASE("pool over a linear arena matches its model") {
  fm::model::run_seeds("pool/arena", 300, 300,
                       [](fm::model::Source& src, std::size_t steps) { run_pool_over(PoolParent::arena, src, steps); });
}

}  // namespace
