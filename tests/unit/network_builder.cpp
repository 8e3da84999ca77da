// The anatomical recipe reproduces the reference networks' weights.
#include "models/column/network_builder.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "support/reference.hpp"

namespace neurode {
namespace {

void expect_weights_match(const models::NetworkWeights& net, const std::string& file_name) {
  io::Hdf5File file(testing::reference_path(file_name), io::Hdf5File::Mode::read);
  const auto W = file.read("W");
  ASSERT_EQ(W.rows(), net.populations);
  EXPECT_TRUE(testing::all_close(net.recurrent.dense(), W.values, 1e-12, 0.0)) << "W";
  for (std::size_t i = 0; i < W.values.size(); ++i)
    if (W.values[i] != 0.0) {
      EXPECT_NEAR(net.recurrent.dense()[i], W.values[i], 1e-12 * std::abs(W.values[i]));
    }
  EXPECT_TRUE(testing::all_close(net.background, file.read("W_bg").values, 1e-12, 0.0)) << "W_bg";
  EXPECT_TRUE(testing::all_close(net.feedforward, file.read("W_ff").values, 1e-12, 0.0)) << "W_ff";
  EXPECT_EQ(net.adaptation_strength, file.read("kappa").values);
}

TEST(NetworkBuilder, SingleFullSizeMtColumn) {
  models::NetworkSpec spec;
  spec.areas = {{"mt", 1}};
  const auto net = models::build_network(models::default_column_parameters(), spec);
  expect_weights_match(net, "single_column_mt.h5");
  EXPECT_NEAR(net.recurrent.at(0, 0), 566, 0.5);
  EXPECT_NEAR(net.recurrent.at(0, 1), -984, 0.5);
}

TEST(NetworkBuilder, TwoColumnSmallNetworkWithCrossInhibition) {
  models::NetworkSpec spec;
  spec.areas = {{"mt", 2}};
  spec.small_network = true;
  spec.weights = {
      {1, 8, 50.0, true}, {9, 0, 50.0, true}, {0, 0, std::nullopt, true}, {8, 8, std::nullopt, true}};
  const auto net = models::build_network(models::default_column_parameters(), spec);
  expect_weights_match(net, "wta_two_columns.h5");
  expect_weights_match(net, "stiff_60hz.h5");
  EXPECT_NEAR(net.recurrent.at(0, 0), 283, 0.5);
  EXPECT_NEAR(net.recurrent.at(0, 1), -492, 0.5);
  ASSERT_EQ(net.parameters.size(), 4u);
  EXPECT_EQ(net.parameters[0].row, 0u);  // sorted by (target, source)
  EXPECT_EQ(net.parameters[1].row, 1u);
  EXPECT_EQ(net.parameters[1].column, 8u);
}

TEST(NetworkBuilder, InterColumnConnectionsFollowTheirMasks) {
  auto parameters = models::default_column_parameters();
  models::NetworkSpec spec;
  spec.areas = {{"mt", 2}, {"mt", 1}};
  spec.small_network = true;
  spec.lateral = {true, true, parameters.lateral};
  spec.feedforward = {true, true, parameters.feedforward};
  spec.feedback = {true, false, parameters.feedback};
  spec.input = {2, true, parameters.input_mask, parameters.input_init};
  const auto net = models::build_network(parameters, spec);
  EXPECT_EQ(net.populations, 24u);
  // Lateral L2/3i -> L2/3e between the two columns of area 1, none into area 2.
  EXPECT_DOUBLE_EQ(net.recurrent.at(0, 9), -10.0);
  EXPECT_DOUBLE_EQ(net.recurrent.at(8, 1), -10.0);
  EXPECT_EQ(net.recurrent.find(16, 9), models::SparseMatrix::npos);
  // Feed-forward from both first-area columns onto L4e of column 2; feedback back onto L2/3e.
  EXPECT_DOUBLE_EQ(net.recurrent.at(18, 0), 25.9);
  EXPECT_DOUBLE_EQ(net.recurrent.at(18, 8), 25.9);
  EXPECT_DOUBLE_EQ(net.recurrent.at(4, 16), 1.0);
  // Inputs reach L4e/L4i of both first-area columns, each channel by its own weight.
  EXPECT_DOUBLE_EQ(net.input.at(2, 0), 25.9);
  EXPECT_DOUBLE_EQ(net.input.at(11, 1), 16.3);
  EXPECT_EQ(net.input.find(18, 0), models::SparseMatrix::npos);
  // Trainable: 2 lateral entries x 2 directions, 8 feed-forward entries x 2 sources, 4 x 2 inputs.
  EXPECT_EQ(net.parameters.size(), 4u + 16u + 8u);
}

TEST(NetworkBuilder, BadSpecsAreRefused) {
  models::NetworkSpec spec;
  spec.areas = {{"nowhere", 1}};
  EXPECT_THROW(models::build_network(models::default_column_parameters(), spec), std::invalid_argument);
  spec.areas = {{"mt", 0}};
  EXPECT_THROW(models::build_network(models::default_column_parameters(), spec), std::invalid_argument);
  spec.areas = {{"mt", 1}};
  spec.weights = {{8, 0, 1.0, false}};
  EXPECT_THROW(models::build_network(models::default_column_parameters(), spec), std::invalid_argument);
}

}  // namespace
}  // namespace neurode
