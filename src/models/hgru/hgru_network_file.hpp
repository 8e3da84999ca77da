#pragma once
/// An hGRU given explicitly, in the layout of the reference file ../shared/reference/vision/hgru.h5
/// (its README): attributes model = hgru, tau, label, zeta (tanh | relu; default tanh); datasets
/// X [C, H, W] (the drive), W [C, C, k, k] (k odd, "same" padding), U1, U2 [C, C, 1, 1], b1, b2,
/// alpha, mu, gamma, kappa, omega [C], A [classes, C], b [classes] and t (the output times, from 0
/// to T). The read-out is the mean of H2(T) over height and width per channel.
#include <string>
#include <vector>

#include "models/hgru/hgru.hpp"

namespace neurode::models {

struct HgruFile {
  std::string path;
  HgruSpec spec;  ///< W as given (symmetric = false): the gradient treats every entry on its own
  std::vector<double> drive;
  std::vector<double> parameters;  ///< hgru_parameter_arrays order: W, U1, ..., omega, tau
  std::vector<double> readout;     ///< A then b
  std::size_t classes = 0;
  int label = 0;
  std::vector<double> times;
};

/// Whether `path` is an HDF5 file whose attribute `model` is "hgru".
bool is_hgru_file(const std::string& path);
/// Reads and checks the file; throws io::Hdf5Error naming the file and the dataset at fault.
HgruFile load_hgru_file(const std::string& path);

}  // namespace neurode::models
