#include "models/kernels/convolution.hpp"

#include <cblas.h>

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <string>

namespace neurode::models::kernels {
namespace {

// The outputs t < extent whose tap k (of a kernel with stride s, padding p) lands inside [0, n):
// [begin, end) with 0 <= s t + k - p < n. Hoisting this out of the loops leaves a branch-free copy.
struct Range {
  std::size_t begin, end;
};
Range inside(std::size_t k, std::size_t s, std::size_t p, std::size_t n, std::size_t extent) {
  const std::size_t begin = k >= p ? 0 : (p - k + s - 1) / s;
  if (n + p <= k) return {begin, begin};
  const std::size_t end = std::min(extent, (n + p - k - 1) / s + 1);
  return {std::min(begin, end), end};
}

std::string describe(const ConvolutionShape& s) {
  return "a " + std::to_string(s.kernel_height) + "x" + std::to_string(s.kernel_width) + " kernel from " +
         std::to_string(s.in_channels) + " to " + std::to_string(s.out_channels) + " channels, stride " +
         std::to_string(s.stride) + ", padding " + std::to_string(s.padding) + ", on a " +
         std::to_string(s.in_height) + "x" + std::to_string(s.in_width) + " image";
}

void check_stride(const char* what, std::size_t stride, std::size_t size, std::size_t batch) {
  if (batch > 1 && stride < size)
    throw std::invalid_argument(std::string("convolution: the ") + what + " stride " +
                                std::to_string(stride) + " is below the image size " + std::to_string(size) +
                                ": images would overlap");
}

}  // namespace

void im2col(const ConvolutionShape& s, const double* x, double* columns, std::size_t ld,
            std::size_t first_row, std::size_t end_row) {
  const std::size_t H = s.in_height, W = s.in_width, Wo = s.out_width();
  double* row = columns;
  for (std::size_t c = 0; c < s.in_channels; ++c)
    for (std::size_t u = 0; u < s.kernel_height; ++u) {
      const Range inside_rows = inside(u, s.stride, s.padding, H, s.out_height());
      const Range rows{std::clamp(inside_rows.begin, first_row, end_row),
                       std::clamp(inside_rows.end, first_row, end_row)};
      for (std::size_t v = 0; v < s.kernel_width; ++v, row += ld) {
        const Range cols = inside(v, s.stride, s.padding, W, Wo);
        std::fill(row, row + (rows.begin - first_row) * Wo, 0.0);
        for (std::size_t i = rows.begin; i < rows.end; ++i) {
          const double* in = x + (c * H + s.stride * i + u - s.padding) * W;
          double* out = row + (i - first_row) * Wo;
          std::fill(out, out + cols.begin, 0.0);
          for (std::size_t j = cols.begin; j < cols.end; ++j) out[j] = in[s.stride * j + v - s.padding];
          std::fill(out + cols.end, out + Wo, 0.0);
        }
        std::fill(row + (rows.end - first_row) * Wo, row + (end_row - first_row) * Wo, 0.0);
      }
    }
}

void col2im(const ConvolutionShape& s, const double* columns, std::size_t ld, double* x, double beta,
            std::size_t first_row, std::size_t end_row) {
  const std::size_t H = s.in_height, W = s.in_width, Wo = s.out_width();
  if (beta == 0.0)
    std::fill(x, x + s.in_size(), 0.0);
  else if (beta != 1.0)
    for (std::size_t k = 0; k < s.in_size(); ++k) x[k] *= beta;
  const double* row = columns;
  for (std::size_t c = 0; c < s.in_channels; ++c)
    for (std::size_t u = 0; u < s.kernel_height; ++u) {
      const Range inside_rows = inside(u, s.stride, s.padding, H, s.out_height());
      const Range rows{std::clamp(inside_rows.begin, first_row, end_row),
                       std::clamp(inside_rows.end, first_row, end_row)};
      for (std::size_t v = 0; v < s.kernel_width; ++v, row += ld) {
        const Range cols = inside(v, s.stride, s.padding, W, Wo);
        for (std::size_t i = rows.begin; i < rows.end; ++i) {
          double* out = x + (c * H + s.stride * i + u - s.padding) * W;
          const double* in = row + (i - first_row) * Wo;
          for (std::size_t j = cols.begin; j < cols.end; ++j) out[s.stride * j + v - s.padding] += in[j];
        }
      }
    }
}

Convolution::Convolution(ConvolutionShape shape, std::size_t block_rows) : shape_(shape) {
  const auto& s = shape_;
  if (s.in_channels == 0 || s.out_channels == 0 || s.in_height == 0 || s.in_width == 0 || s.stride == 0 ||
      s.out_height() == 0 || s.out_width() == 0)
    throw std::invalid_argument("convolution: " + describe(s) + " gives no output");
  // cblas takes int sizes.
  const std::size_t largest =
      std::max({s.patch_size() * s.out_height() * s.out_width(), s.in_size(), s.out_size(), s.kernel_size()});
  if (largest > static_cast<std::size_t>(INT_MAX))
    throw std::invalid_argument("convolution: " + describe(s) + " is too large for BLAS's int sizes");
  if (s.pointwise()) return;
  const std::size_t row_bytes = s.patch_size() * s.out_width() * sizeof(double);
  block_rows_ = block_rows ? block_rows : std::max<std::size_t>(1, kBlockBytes / row_bytes);
  block_rows_ = std::min(block_rows_, s.out_height());
  columns_.assign(s.patch_size() * block_rows_ * s.out_width(), 0.0);
}

// Each image goes through its output rows in blocks of block_rows_, so that the block's patch
// matrix stays in cache between im2col writing it and the DGEMM reading it.
void Convolution::forward(const double* K, const double* x, std::size_t x_stride, double* y,
                          std::size_t y_stride, std::size_t batch, double beta) {
  check_stride("input", x_stride, shape_.in_size(), batch);
  check_stride("output", y_stride, shape_.out_size(), batch);
  const int out = int(shape_.out_channels), positions = int(shape_.out_height() * shape_.out_width()),
            patch = int(shape_.patch_size());
  for (std::size_t b = 0; b < batch; ++b) {
    const double* image = x + b * x_stride;
    double* result = y + b * y_stride;
    if (shape_.pointwise()) {  // Y_b (out x positions) = beta Y_b + K (out x in) . X_b (in x positions)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, out, positions, patch, 1.0, K, patch, image,
                  positions, beta, result, positions);
      continue;
    }
    for (std::size_t first = 0; first < shape_.out_height(); first += block_rows_) {
      const std::size_t end = std::min(shape_.out_height(), first + block_rows_);
      const int n = int((end - first) * shape_.out_width());
      im2col(shape_, image, columns_.data(), std::size_t(n), first, end);
      // The block's columns of Y_b = beta Y_b + K (out x patch) . columns (patch x n).
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, out, n, patch, 1.0, K, patch, columns_.data(), n,
                  beta, result + first * shape_.out_width(), positions);
    }
  }
}

void Convolution::transpose(const double* K, const double* y, std::size_t y_stride, double* x,
                            std::size_t x_stride, std::size_t batch, double beta) {
  check_stride("output", y_stride, shape_.out_size(), batch);
  check_stride("input", x_stride, shape_.in_size(), batch);
  const int out = int(shape_.out_channels), positions = int(shape_.out_height() * shape_.out_width()),
            patch = int(shape_.patch_size());
  for (std::size_t b = 0; b < batch; ++b) {
    const double* image = y + b * y_stride;
    double* result = x + b * x_stride;
    if (shape_.pointwise()) {  // X_b = beta X_b + K^T . Y_b
      cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, patch, positions, out, 1.0, K, patch, image,
                  positions, beta, result, positions);
      continue;
    }
    for (std::size_t first = 0; first < shape_.out_height(); first += block_rows_) {
      const std::size_t end = std::min(shape_.out_height(), first + block_rows_);
      const int n = int((end - first) * shape_.out_width());
      // columns (patch x n) = K^T . the block's columns of Y_b, then summed back onto the image
      // (beta applied once, with the first block).
      cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, patch, n, out, 1.0, K, patch,
                  image + first * shape_.out_width(), positions, 0.0, columns_.data(), n);
      col2im(shape_, columns_.data(), std::size_t(n), result, first == 0 ? beta : 1.0, first, end);
    }
  }
}

void Convolution::kernel_gradient(const double* x, std::size_t x_stride, const double* w,
                                  std::size_t w_stride, std::size_t batch, double* dK) {
  check_stride("input", x_stride, shape_.in_size(), batch);
  check_stride("output", w_stride, shape_.out_size(), batch);
  const int out = int(shape_.out_channels), positions = int(shape_.out_height() * shape_.out_width()),
            patch = int(shape_.patch_size());
  for (std::size_t b = 0; b < batch; ++b) {
    const double* image = x + b * x_stride;
    const double* weights = w + b * w_stride;
    if (shape_.pointwise()) {  // dK (out x in) += W_b (out x positions) . X_b^T
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, out, patch, positions, 1.0, weights, positions,
                  image, positions, 1.0, dK, patch);
      continue;
    }
    // dK (out x patch) += the block's W_b (out x n) . columns^T: image b's terms after b - 1's.
    for (std::size_t first = 0; first < shape_.out_height(); first += block_rows_) {
      const std::size_t end = std::min(shape_.out_height(), first + block_rows_);
      const int n = int((end - first) * shape_.out_width());
      im2col(shape_, image, columns_.data(), std::size_t(n), first, end);
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, out, patch, n, 1.0,
                  weights + first * shape_.out_width(), positions, columns_.data(), n, 1.0, dK, patch);
    }
  }
}

}  // namespace neurode::models::kernels
