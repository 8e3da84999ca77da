// A model's state layout names and shapes its components, and the trajectory writer slices any
// model's states by it: the column's [V, a, r], a Hopf field's (x, y), a wrapped model's inner one.
#include "models/state_layout.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

#include "io/hdf5_file.hpp"
#include "models/column/column_network.hpp"
#include "models/hopf/mlp_vector_field.hpp"
#include "setup/trajectory_output.hpp"

namespace neurode {
namespace {

TEST(StateLayout, ColumnStateIsVThenAThenRPerPopulation) {
  const auto layout = models::column_state_layout(16);
  EXPECT_EQ(layout.names(), (std::vector<std::string>{"V", "a", "r"}));
  EXPECT_EQ(layout.trial_size(), 48u);
  EXPECT_EQ(layout.offset(layout.find("r")), 32u);
  EXPECT_EQ(layout.components[2].units, "Hz");
  try {
    layout.find("s");
    FAIL() << "an unknown component was found";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'s' (this model has V, a, r)"), std::string::npos) << e.what();
  }
}

TEST(StateLayout, EveryModelsLayoutCoversItsState) {
  models::MlpSpec spec;
  spec.layers = {3, 4, 2};
  models::MuForcing forcing;
  forcing.phases = {0.1, 0.2, 0.3};
  std::vector<double> weights(static_cast<std::size_t>(4 * 4 + 5 * 2), 0.01);
  const models::MlpVectorField field(spec, forcing, weights);
  EXPECT_EQ(field.state_layout().names(), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(field.state_layout().trial_size() * field.trial_count(), field.state_size());
}

// Two trials of a layout [u (2 values), w (1 value)] at 3 times: the writer's datasets are the
// slices of the state rows, trial x time x component, with the layout's attributes.
TEST(StateLayout, TrajectoryWriterSlicesAnyLayout) {
  const models::StateLayout layout{{{"u", {2}, "mV", "cell", "cell number"}, {"w", {1}, "", "value", "w"}}};
  solvers::Solution solution;
  solution.state_size = 6;
  solution.times = {0.0, 0.5, 1.0};
  solution.valid_rows = 3;
  for (std::size_t k = 0; k < 3; ++k)
    for (std::size_t i = 0; i < 6; ++i)
      solution.states.push_back(100.0 * static_cast<double>(k) + static_cast<double>(i));
  const std::string path = testing::TempDir() + "/state_layout_trajectory.h5";
  {
    io::Hdf5File file(path, io::Hdf5File::Mode::create);
    setup::write_trajectory(file, solution, layout, 2, {"w", "u"});
    file.close();
  }
  const io::Hdf5File file(path, io::Hdf5File::Mode::read);
  const auto u = file.read("/trajectory/u");
  EXPECT_EQ(u.shape, (std::vector<std::size_t>{2, 3, 2}));
  // u of trial 1 at time 2: state entries 3 and 4 of row 2.
  EXPECT_EQ(u.values[(1 * 3 + 2) * 2 + 0], 203.0);
  EXPECT_EQ(u.values[(1 * 3 + 2) * 2 + 1], 204.0);
  const auto w = file.read("/trajectory/w");
  EXPECT_EQ(w.shape, (std::vector<std::size_t>{2, 3, 1}));
  EXPECT_EQ(w.values[0 * 3 + 1], 102.0);  // trial 0, time 1: entry 2
  EXPECT_EQ(w.values[1 * 3 + 0], 5.0);    // trial 1, time 0: entry 5
  EXPECT_EQ(file.read_string_attribute("/trajectory/u", "units"), "mV");
  EXPECT_EQ(file.read_string_attribute("/trajectory/u", "layout"), "trial x time x cell");
  EXPECT_FALSE(file.has_attribute("/trajectory/w", "units"));
  std::remove(path.c_str());
}

}  // namespace
}  // namespace neurode
