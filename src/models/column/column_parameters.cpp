#include "models/column/column_parameters.hpp"

#include <algorithm>

namespace neurode::models {

const std::array<const char*, kPopulationsPerColumn> kPopulationNames = {"L2/3e", "L2/3i", "L4e", "L4i",
                                                                         "L5e",   "L5i",   "L6e", "L6i"};

int population_index(const std::string& name) {
  std::string key = name;
  key.erase(std::remove(key.begin(), key.end(), '/'), key.end());
  for (int p = 0; p < kPopulationsPerColumn; ++p) {
    std::string candidate = kPopulationNames[p];
    candidate.erase(std::remove(candidate.begin(), candidate.end(), '/'), candidate.end());
    if (candidate == key) return p;
  }
  return -1;
}

ColumnParameters default_column_parameters() {
  ColumnParameters p;
  p.adaptation_strength = {1.5, 0, 0, 0, 0, 0, 0, 0};
  p.background_synapses = {1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100};
  p.background_synapses_small_network = {2510, 2510, 2510, 2510, 2510, 2510, 2510, 2510};
  p.feedforward_synapses = {0, 0, 295, 186, 0, 0, 0, 0};
  p.connection_probability = {{
      {0.1009, 0.1689, 0.088, 0.0818, 0.0323, 0.0, 0.0076, 0.0},
      {0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0},
      {0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0},
      {0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0},
      {0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0},
      {0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0},
      {0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252},
      {0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443},
  }};
  p.population_size = {
      {"v1", {47386, 13366, 70387, 17597, 20740, 4554, 19839, 4063}},
      {"v2", {50521, 14250, 36685, 9171, 19079, 4189, 19248, 3941}},
      {"v3", {58475, 16494, 47428, 11857, 12056, 2647, 14529, 2975}},
      {"v3a", {40887, 11532, 23789, 5947, 12671, 2782, 15218, 3116}},
      {"mt", {60606, 17095, 28202, 7050, 14176, 3113, 15837, 3243}},
      {"mstd", {44343, 12507, 22524, 5631, 14742, 3237, 17704, 3625}},
      {"lip", {51983, 14662, 20095, 5024, 11630, 2554, 28115, 5757}},
      {"fef", {44053, 12425, 23143, 5786, 16943, 3720, 16128, 3302}},
      {"fst", {36337, 10249, 12503, 3126, 12624, 2772, 15160, 3104}},
  };
  p.input_mask = {0, 0, 1, 1, 0, 0, 0, 0};
  p.input_init = {0, 0, 25.9, 16.3, 0, 0, 0, 0};
  p.output_mask = {1, 0, 0, 0, 1, 0, 1, 0};
  p.output_init = {1, 0, 0, 0, 1, 0, 1, 0};
  // Feed-forward: L4e/L4i receive from L2/3e, L5e, L6e; L6e/L6i receive from L2/3e.
  p.feedforward.mask[2] = {1, 0, 0, 0, 1, 0, 1, 0};
  p.feedforward.mask[3] = {1, 0, 0, 0, 1, 0, 1, 0};
  p.feedforward.mask[6] = {1, 0, 0, 0, 0, 0, 0, 0};
  p.feedforward.mask[7] = {1, 0, 0, 0, 0, 0, 0, 0};
  p.feedforward.init[2] = {25.9, 0, 0, 0, 2.0, 0, 1.0, 0};
  p.feedforward.init[3] = {16.3, 0, 0, 0, 1.0, 0, 0.5, 0};
  p.feedforward.init[6] = {1.0, 0, 0, 0, 0, 0, 0, 0};
  p.feedforward.init[7] = {0.5, 0, 0, 0, 0, 0, 0, 0};
  // Lateral inhibition between columns of one area: L2/3i -> L2/3e and L5i -> L5e.
  p.lateral.mask[0][1] = 1;
  p.lateral.mask[4][5] = 1;
  p.lateral.init[0][1] = -10.0;
  p.lateral.init[4][5] = -10.0;
  // Feedback (none in the prototype's defaults): L2/3e of the higher area onto L2/3e and L5e.
  p.feedback.mask[0][0] = 1;
  p.feedback.mask[4][0] = 1;
  p.feedback.init[0][0] = 1.0;
  p.feedback.init[4][0] = 1.0;
  return p;
}

}  // namespace neurode::models
