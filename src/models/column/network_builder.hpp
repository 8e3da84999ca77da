#pragma once
/// From anatomy to weights: a network is a list of areas, each a group of identical columns, joined
/// by lateral (within an area), feed-forward (area k -> k+1) and feedback (area k+1 -> k) connections.
#include <optional>
#include <string>
#include <vector>

#include "models/column/column_parameters.hpp"
#include "models/kernels/sparse_matrix.hpp"

namespace neurode::models {

struct AreaSpec {
  std::string name = "mt";  ///< key of ColumnParameters::population_size
  int columns = 1;
};

/// One kind of inter-column connection; only masked (target, source) population pairs exist.
struct ConnectionSpec {
  bool enabled = false;
  bool trainable = false;
  ConnectionPattern pattern{};
};

/// One recurrent weight given explicitly by global population indices (target, source).
struct WeightEntry {
  std::size_t target = 0;
  std::size_t source = 0;
  std::optional<double> value;  ///< replaces the anatomical value when set
  bool trainable = false;
};

/// Network inputs ("channels") entering the first area; each channel reaches every column of it
/// through its own weights on the masked populations (the XOR task's layout).
struct InputSpec {
  int channels = 0;
  bool trainable = false;
  PopulationVector mask{};
  PopulationVector init{};
};

struct NetworkSpec {
  std::vector<AreaSpec> areas{AreaSpec{}};
  bool small_network = false;  ///< sizes divided by the columns of an area, K_bg = 2510
  ConnectionSpec lateral, feedforward, feedback;
  InputSpec input;
  std::vector<WeightEntry> weights;  ///< explicit recurrent entries (overrides and/or trainable)
  /// Trainable scalars: "tau_membrane", "tau_adaptation" (shared time constants, R held fixed) and
  /// "adaptation_strength" (kappa of every population whose kappa is nonzero).
  std::vector<std::string> trainable_scalars;
};

/// Which stored weight a trainable parameter is.
struct ParameterRef {
  /// recurrent/input: an entry of W/W_in; the others are scalars of the dynamics (membrane and
  /// adaptation time constants shared by all populations, adaptation strength of population `row`).
  enum class Matrix {
    recurrent,
    input,
    tau_membrane,
    tau_adaptation,
    adaptation_strength
  } matrix = Matrix::recurrent;
  std::size_t row = 0;     ///< target population
  std::size_t column = 0;  ///< source population (recurrent) or input channel
  std::size_t index = 0;   ///< position in the matrix's `value` array
  std::string kind;        ///< recurrent, lateral, feedforward, feedback or input
  std::string label;       ///< e.g. "lateral W[1,8]"
};

/// Everything the dynamics need besides the global constants; vectors have one entry per population.
struct NetworkWeights {
  std::size_t populations = 0;
  SparseMatrix recurrent;  ///< W, target x source, within-column blocks plus inter-column connections
  SparseMatrix input;      ///< W_in, population x channel
  std::vector<double> feedforward;          ///< W_ff (stimulus weight, multiplies the per-population rate)
  std::vector<double> background;           ///< W_bg
  std::vector<double> adaptation_strength;  ///< kappa
  std::vector<ParameterRef> parameters;     ///< the trainable entries, in a fixed order
  std::vector<int> column_of_population;    ///< global column index of each population
  std::vector<std::string> area_of_column;
};

/// Synapse count K_ij = ln(1 - p) / ln(1 - 1/(N_i N_j)) / N_i (i target, j source), evaluated with
/// log1p for accuracy at small p.
double synapse_count(double probability, double target_size, double source_size);

/// Builds the weights of a network. Throws std::invalid_argument for an unknown area or an
/// out-of-range entry, naming what is wrong.
NetworkWeights build_network(const ColumnParameters& parameters, const NetworkSpec& spec);

/// Total number of columns of a network spec.
int column_count(const NetworkSpec& spec);

}  // namespace neurode::models
