#pragma once
/// A predictive-coding network given explicitly, in the layout of the reference files
/// (../shared/reference/vision/README.md): attributes model = predictive_coding, k1, k2, alpha, T,
/// prior, label, and for convolutions stride and padding; datasets x (the image: [n] dense, or
/// [C, H, W]), U1..UL ([n_{l-1}, n_l]) or K1..KL ([C_l, C_{l-1}, k, k]), A [classes, features],
/// b [classes] and t (the output times, from 0 to T). The read-out pools over height and width for
/// convolutional levels (attribute readout_pool = mean | none overrides).
#include <string>
#include <vector>

#include "models/predictive_coding/pc_spec.hpp"

namespace neurode::models {

struct PredictiveCodingFile {
  std::string path;
  PredictiveCodingSpec spec;  ///< with trainable rates, so that gradients include k1, k2, alpha
  std::vector<double> image;
  std::vector<double> parameters;  ///< weights, then k1, k2, alpha
  std::vector<double> readout;     ///< A then b
  std::size_t classes = 0;
  bool mean_pool = false;
  int label = 0;
  std::vector<double> times;
};

/// Whether `path` is an HDF5 file whose attribute `model` is "predictive_coding".
bool is_predictive_coding_file(const std::string& path);
/// Reads and checks the file; throws io::Hdf5Error naming the file and the dataset at fault.
PredictiveCodingFile load_predictive_coding_file(const std::string& path);

}  // namespace neurode::models
