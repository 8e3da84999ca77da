#pragma once
/// A linear generative map G from the states of one level (the "upper", level l) to a prediction
/// of the level below (the "lower", level l - 1), for a batch of images at once, with the adjoint
/// G^T and the weight gradient that predictive coding's vector field and its derivative products
/// need. Two kinds (spec vision-models.md, "Predictive coding"):
///  - dense: G(r) = U r with U of shape [n_lower, n_upper] (row-major); G^T(e) = U^T e;
///  - convolution: G(r) = conv_transpose2d(r, K, s, p) and G^T(e) = conv2d(e, K, s, p), with K of
///    shape [C_upper, C_lower, kh, kw], the conv2d kernel from the lower level to the upper one.
/// Both run as matrix products over the batch (OpenBLAS DGEMM; models/kernels/convolution.hpp).
/// Image b of a batch argument starts at `data + b * stride`, so that levels can be read and
/// written in place inside a block state whose trials are laid end to end.
#include <cstddef>
#include <memory>

#include "models/kernels/convolution.hpp"

namespace neurode::models {

class GenerativeMap {
 public:
  virtual ~GenerativeMap() = default;
  virtual std::size_t lower_size() const = 0;    ///< values of a lower-level image
  virtual std::size_t upper_size() const = 0;    ///< values of an upper-level image
  virtual std::size_t weight_count() const = 0;  ///< entries of U or K
  /// out_b = beta out_b + G(upper_b)
  virtual void predict(const double* weights, const double* upper, std::size_t upper_stride, double* out,
                       std::size_t out_stride, std::size_t batch, double beta) = 0;
  /// out_b = beta out_b + G^T(lower_b)
  virtual void project(const double* weights, const double* lower, std::size_t lower_stride, double* out,
                       std::size_t out_stride, std::size_t batch, double beta) = 0;
  /// weight_gradient += d/dW sum_b <lower_b, G_W(upper_b)>, summed over b in ascending order.
  virtual void add_weight_gradient(const double* lower, std::size_t lower_stride, const double* upper,
                                   std::size_t upper_stride, std::size_t batch, double* weight_gradient) = 0;
};

/// G(r) = U r, U [n_lower, n_upper].
std::unique_ptr<GenerativeMap> make_dense_map(std::size_t lower_size, std::size_t upper_size);
/// G = conv_transpose2d with the kernel of the convolution `shape` (lower level -> upper level).
std::unique_ptr<GenerativeMap> make_convolution_map(const kernels::ConvolutionShape& shape);

}  // namespace neurode::models
