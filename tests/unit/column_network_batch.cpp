// A batch of trials is one block system whose products run over all trials at once (vector code
// across trials). A trial's numbers must not depend on the batch it sits in: the trainings are
// bitwise equal across rank counts only because a trial computed in a block of 16, of 5 or alone
// gives the same bits. Block sizes below cover the kernel's chunks of 16, 8 and 4 trials and the
// single-trial remainder.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "models/column/column_network.hpp"
#include "models/column/column_parameters.hpp"
#include "models/column/network_builder.hpp"
#include "support/gradient_problems.hpp"

namespace neurode {
namespace {

struct Batch {
  models::NetworkWeights weights;
  models::ColumnConstants constants;
  std::vector<models::PiecewiseDrive> drives;  ///< one per trial
  std::vector<std::vector<double>> states;     ///< one per trial
  std::vector<std::vector<double>> cotangents;
};

// XOR-sized network (24 populations) with random drives, states and cotangents for 29 trials.
Batch random_batch(std::size_t trials) {
  std::mt19937_64 rng(17);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  auto parameters = models::default_column_parameters();
  Batch b;
  b.weights = models::build_network(parameters, testing::small_three_column_spec(parameters, true));
  b.constants = models::ColumnConstants::from(parameters);
  const std::size_t n = b.weights.populations;
  for (std::size_t t = 0; t < trials; ++t) {
    models::PiecewiseDrive d;
    d.times = {0.0, 0.01};
    d.population_rates.assign(2, std::vector<double>(n, 0.0));
    for (std::size_t i = 0; i < n; ++i) d.population_rates[1][i] = 15.0 * (uniform(rng) + 1.0);
    b.drives.push_back(d);
    std::vector<double> y(3 * n), w(3 * n);
    for (std::size_t i = 0; i < n; ++i) {
      y[i] = 10.0 * uniform(rng);             // V (mV)
      y[n + i] = 2.0 * (uniform(rng) + 1.0);  // a
      y[2 * n + i] = 20.0 * (uniform(rng) + 1.0);
    }
    for (double& v : w) v = uniform(rng);
    b.states.push_back(y);
    b.cotangents.push_back(w);
  }
  return b;
}

struct Products {
  std::vector<double> field, transpose, parameter_gradient;
};

// The products of trials [first, first + count) as one block, at a time inside the drive's second
// segment, with the network's parameters perturbed by `scale` (so that W^T is refreshed).
std::vector<Products> block_products(const Batch& b, std::size_t first, std::size_t count, double scale) {
  std::vector<models::PiecewiseDrive> drives(b.drives.begin() + static_cast<std::ptrdiff_t>(first),
                                             b.drives.begin() + static_cast<std::ptrdiff_t>(first + count));
  models::ColumnNetwork network(b.weights, b.constants, drives);
  auto values = network.parameters();
  for (std::size_t k = 0; k < values.size(); ++k) values[k] *= 1.0 + scale * static_cast<double>(k % 7);
  network.set_parameters(values);
  const std::size_t S = b.states.front().size();
  const std::size_t P = values.size();
  std::vector<double> y, w;
  for (std::size_t t = first; t < first + count; ++t) {
    y.insert(y.end(), b.states[t].begin(), b.states[t].end());
    w.insert(w.end(), b.cotangents[t].begin(), b.cotangents[t].end());
  }
  std::vector<double> field(S * count), transpose(S * count), gradient(P * count, 0.0);
  const std::size_t segment = 1;  // after the drives' one breakpoint, 0.01 s
  network.rhs(0.02, segment, y.data(), field.data());
  network.jacobian_transpose_vector(0.02, segment, y.data(), w.data(), transpose.data());
  network.parameter_transpose_vector(0.02, segment, y.data(), w.data(), gradient.data());
  std::vector<Products> out(count);
  for (std::size_t t = 0; t < count; ++t) {
    out[t].field.assign(field.begin() + static_cast<std::ptrdiff_t>(t * S),
                        field.begin() + static_cast<std::ptrdiff_t>((t + 1) * S));
    out[t].transpose.assign(transpose.begin() + static_cast<std::ptrdiff_t>(t * S),
                            transpose.begin() + static_cast<std::ptrdiff_t>((t + 1) * S));
    out[t].parameter_gradient.assign(gradient.begin() + static_cast<std::ptrdiff_t>(t * P),
                                     gradient.begin() + static_cast<std::ptrdiff_t>((t + 1) * P));
  }
  return out;
}

TEST(ColumnNetworkBatch, TrialResultsDoNotDependOnTheBlockTheyAreIn) {
  const std::size_t trials = 29;
  const Batch b = random_batch(trials);
  for (double scale : {0.0, 0.05}) {
    std::vector<Products> alone;
    for (std::size_t t = 0; t < trials; ++t) alone.push_back(block_products(b, t, 1, scale).front());
    for (std::size_t count : {2, 3, 4, 5, 8, 9, 12, 13, 16, 17, 24, 29}) {
      for (std::size_t first : {std::size_t{0}, trials - count}) {
        const auto block = block_products(b, first, count, scale);
        for (std::size_t t = 0; t < count; ++t) {
          const auto& a = alone[first + t];
          // Bitwise: EXPECT_EQ on the vectors of doubles.
          EXPECT_EQ(block[t].field, a.field) << "block of " << count << ", trial " << first + t;
          EXPECT_EQ(block[t].transpose, a.transpose) << "block of " << count << ", trial " << first + t;
          EXPECT_EQ(block[t].parameter_gradient, a.parameter_gradient)
              << "block of " << count << ", trial " << first + t;
        }
      }
    }
  }
}

// The transposed product against the assembled Jacobian, after the parameters changed: the kept
// W^T must follow W.
TEST(ColumnNetworkBatch, TransposeProductEqualsAssembledJacobianAfterParameterChange) {
  const Batch b = random_batch(5);
  models::ColumnNetwork network(b.weights, b.constants, b.drives);
  auto values = network.parameters();
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> factor(0.5, 1.5);
  for (double& v : values) v *= factor(rng);
  network.set_parameters(values);
  const std::size_t S = b.states.front().size();
  std::vector<double> y, w;
  for (std::size_t t = 0; t < 5; ++t) {
    y.insert(y.end(), b.states[t].begin(), b.states[t].end());
    w.insert(w.end(), b.cotangents[t].begin(), b.cotangents[t].end());
  }
  std::vector<double> product(S * 5);
  const std::size_t segment = 1;  // after the drives' one breakpoint, 0.01 s
  network.jacobian_transpose_vector(0.02, segment, y.data(), w.data(), product.data());
  std::vector<models::MatrixEntry> entries;
  network.jacobian_entries(0.02, segment, y.data(), entries);
  std::vector<double> expected(S * 5, 0.0);
  for (const auto& e : entries) expected[e.col] += e.value * w[e.row];
  double scale = 0.0;
  for (double v : expected) scale = std::max(scale, std::abs(v));
  ASSERT_GT(scale, 0.0);
  for (std::size_t k = 0; k < expected.size(); ++k)
    EXPECT_NEAR(product[k], expected[k], 1e-12 * scale) << "entry " << k;
}

}  // namespace
}  // namespace neurode
