#include "models/predictive_coding/generative_map.hpp"

#include <cblas.h>

namespace neurode::models {
namespace {

class DenseMap final : public GenerativeMap {
 public:
  DenseMap(std::size_t lower, std::size_t upper) : lower_(lower), upper_(upper) {}
  std::size_t lower_size() const override { return lower_; }
  std::size_t upper_size() const override { return upper_; }
  std::size_t weight_count() const override { return lower_ * upper_; }

  // With the batch as rows: OUT (B x n_lower) = R (B x n_upper) U^T.
  void predict(const double* U, const double* upper, std::size_t upper_stride, double* out,
               std::size_t out_stride, std::size_t batch, double beta) override {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(batch), int(lower_), int(upper_), 1.0, upper,
                int(upper_stride), U, int(upper_), beta, out, int(out_stride));
  }
  // OUT (B x n_upper) = E (B x n_lower) U.
  void project(const double* U, const double* lower, std::size_t lower_stride, double* out,
               std::size_t out_stride, std::size_t batch, double beta) override {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(batch), int(upper_), int(lower_), 1.0, lower,
                int(lower_stride), U, int(upper_), beta, out, int(out_stride));
  }
  // dU (n_lower x n_upper) += LOWER^T UPPER: the sum over the batch of lower_b upper_b^T.
  void add_weight_gradient(const double* lower, std::size_t lower_stride, const double* upper,
                           std::size_t upper_stride, std::size_t batch, double* dU) override {
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, int(lower_), int(upper_), int(batch), 1.0, lower,
                int(lower_stride), upper, int(upper_stride), 1.0, dU, int(upper_));
  }

 private:
  std::size_t lower_, upper_;
};

// G is the convolution's transpose: predict = backward-data, project = forward, and
// <lower, G upper> = <conv(lower), upper> makes the weight gradient the convolution's own.
class ConvolutionMap final : public GenerativeMap {
 public:
  explicit ConvolutionMap(const kernels::ConvolutionShape& shape) : conv_(shape) {}
  std::size_t lower_size() const override { return conv_.shape().in_size(); }
  std::size_t upper_size() const override { return conv_.shape().out_size(); }
  std::size_t weight_count() const override { return conv_.shape().kernel_size(); }

  void predict(const double* K, const double* upper, std::size_t upper_stride, double* out,
               std::size_t out_stride, std::size_t batch, double beta) override {
    conv_.transpose(K, upper, upper_stride, out, out_stride, batch, beta);
  }
  void project(const double* K, const double* lower, std::size_t lower_stride, double* out,
               std::size_t out_stride, std::size_t batch, double beta) override {
    conv_.forward(K, lower, lower_stride, out, out_stride, batch, beta);
  }
  void add_weight_gradient(const double* lower, std::size_t lower_stride, const double* upper,
                           std::size_t upper_stride, std::size_t batch, double* dK) override {
    conv_.kernel_gradient(lower, lower_stride, upper, upper_stride, batch, dK);
  }

 private:
  kernels::Convolution conv_;
};

}  // namespace

std::unique_ptr<GenerativeMap> make_dense_map(std::size_t lower_size, std::size_t upper_size) {
  return std::make_unique<DenseMap>(lower_size, upper_size);
}

std::unique_ptr<GenerativeMap> make_convolution_map(const kernels::ConvolutionShape& shape) {
  return std::make_unique<ConvolutionMap>(shape);
}

}  // namespace neurode::models
