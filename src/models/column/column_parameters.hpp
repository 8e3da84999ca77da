#pragma once
/// Anatomical and physiological parameters of the laminar column model (facts of the model, see
/// docs/model.md). Matrices are target x source over the 8 populations of a column.
#include <array>
#include <map>
#include <string>
#include <vector>

#include "models/column/transfer_function.hpp"

namespace neurode::models {

inline constexpr int kPopulationsPerColumn = 8;
using PopulationVector = std::array<double, kPopulationsPerColumn>;
using PopulationMatrix = std::array<PopulationVector, kPopulationsPerColumn>;  ///< [target][source]

/// Names in population order: L2/3e, L2/3i, L4e, L4i, L5e, L5i, L6e, L6i.
extern const std::array<const char*, kPopulationsPerColumn> kPopulationNames;
/// Index of a population name ("L23e" and "L2/3e" both accepted); -1 when unknown.
int population_index(const std::string& name);

/// A mask and initial values for one kind of inter-column connection (target x source).
struct ConnectionPattern {
  PopulationMatrix mask{};
  PopulationMatrix init{};
};

struct ColumnParameters {
  double background_rate_Hz = 8.0;         ///< nu_bg
  double capacitance = 2.5e-4;             ///< C; R = tau_m / C
  PopulationVector adaptation_strength{};  ///< kappa
  double tau_synapse_s = 5e-4;
  double tau_membrane_s = 0.02;
  double tau_adaptation_s = 10.0;
  TransferParameters transfer{};
  double synaptic_strength = 0.0878;  ///< J
  PopulationVector background_synapses{};
  PopulationVector background_synapses_small_network{};
  PopulationVector feedforward_synapses{};
  PopulationMatrix connection_probability{};
  std::map<std::string, PopulationVector> population_size;  ///< per area name

  // Prototype defaults for inter-column connections, network input and read-out.
  PopulationVector input_mask{}, input_init{};
  PopulationVector output_mask{}, output_init{};
  ConnectionPattern feedforward{}, lateral{}, feedback{};

  double resistance() const { return tau_membrane_s / capacitance; }
};

/// The published parameter set (identical to the project's inputs/column-parameters.yaml).
ColumnParameters default_column_parameters();

}  // namespace neurode::models
