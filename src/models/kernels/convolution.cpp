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

void im2col(const ConvolutionShape& s, const double* x, double* columns, std::size_t ld) {
  const std::size_t H = s.in_height, W = s.in_width, Ho = s.out_height(), Wo = s.out_width();
  double* row = columns;
  for (std::size_t c = 0; c < s.in_channels; ++c)
    for (std::size_t u = 0; u < s.kernel_height; ++u) {
      const Range rows = inside(u, s.stride, s.padding, H, Ho);
      for (std::size_t v = 0; v < s.kernel_width; ++v, row += ld) {
        const Range cols = inside(v, s.stride, s.padding, W, Wo);
        std::fill(row, row + rows.begin * Wo, 0.0);
        for (std::size_t i = rows.begin; i < rows.end; ++i) {
          const double* in = x + (c * H + s.stride * i + u - s.padding) * W;
          double* out = row + i * Wo;
          std::fill(out, out + cols.begin, 0.0);
          for (std::size_t j = cols.begin; j < cols.end; ++j) out[j] = in[s.stride * j + v - s.padding];
          std::fill(out + cols.end, out + Wo, 0.0);
        }
        std::fill(row + rows.end * Wo, row + Ho * Wo, 0.0);
      }
    }
}

void col2im(const ConvolutionShape& s, const double* columns, std::size_t ld, double* x, double beta) {
  const std::size_t H = s.in_height, W = s.in_width, Ho = s.out_height(), Wo = s.out_width();
  if (beta == 0.0)
    std::fill(x, x + s.in_size(), 0.0);
  else if (beta != 1.0)
    for (std::size_t k = 0; k < s.in_size(); ++k) x[k] *= beta;
  const double* row = columns;
  for (std::size_t c = 0; c < s.in_channels; ++c)
    for (std::size_t u = 0; u < s.kernel_height; ++u) {
      const Range rows = inside(u, s.stride, s.padding, H, Ho);
      for (std::size_t v = 0; v < s.kernel_width; ++v, row += ld) {
        const Range cols = inside(v, s.stride, s.padding, W, Wo);
        for (std::size_t i = rows.begin; i < rows.end; ++i) {
          double* out = x + (c * H + s.stride * i + u - s.padding) * W;
          const double* in = row + i * Wo;
          for (std::size_t j = cols.begin; j < cols.end; ++j) out[s.stride * j + v - s.padding] += in[j];
        }
      }
    }
}

Convolution::Convolution(ConvolutionShape shape) : shape_(shape) {
  const auto& s = shape_;
  if (s.in_channels == 0 || s.out_channels == 0 || s.in_height == 0 || s.in_width == 0 || s.stride == 0 ||
      s.out_height() == 0 || s.out_width() == 0)
    throw std::invalid_argument("convolution: " + describe(s) + " gives no output");
  // cblas takes int sizes.
  const std::size_t largest =
      std::max({s.patch_size() * s.out_height() * s.out_width(), s.in_size(), s.out_size(), s.kernel_size()});
  if (largest > static_cast<std::size_t>(INT_MAX))
    throw std::invalid_argument("convolution: " + describe(s) + " is too large for BLAS's int sizes");
  if (!s.pointwise()) columns_.assign(s.patch_size() * s.out_height() * s.out_width(), 0.0);
}

void Convolution::forward(const double* K, const double* x, std::size_t x_stride, double* y,
                          std::size_t y_stride, std::size_t batch, double beta) {
  check_stride("input", x_stride, shape_.in_size(), batch);
  check_stride("output", y_stride, shape_.out_size(), batch);
  const int out = int(shape_.out_channels), positions = int(shape_.out_height() * shape_.out_width()),
            patch = int(shape_.patch_size());
  for (std::size_t b = 0; b < batch; ++b) {
    const double* patches = x + b * x_stride;
    if (!shape_.pointwise()) {
      im2col(shape_, patches, columns_.data(), std::size_t(positions));
      patches = columns_.data();
    }
    // Y_b (out x positions) = beta Y_b + K (out x patch) . patches (patch x positions).
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, out, positions, patch, 1.0, K, patch, patches,
                positions, beta, y + b * y_stride, positions);
  }
}

void Convolution::transpose(const double* K, const double* y, std::size_t y_stride, double* x,
                            std::size_t x_stride, std::size_t batch, double beta) {
  check_stride("output", y_stride, shape_.out_size(), batch);
  check_stride("input", x_stride, shape_.in_size(), batch);
  const int out = int(shape_.out_channels), positions = int(shape_.out_height() * shape_.out_width()),
            patch = int(shape_.patch_size());
  for (std::size_t b = 0; b < batch; ++b) {
    // patches (patch x positions) = K^T . Y_b; pointwise, the patches are the image itself.
    if (shape_.pointwise()) {
      cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, patch, positions, out, 1.0, K, patch,
                  y + b * y_stride, positions, beta, x + b * x_stride, positions);
      continue;
    }
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, patch, positions, out, 1.0, K, patch,
                y + b * y_stride, positions, 0.0, columns_.data(), positions);
    col2im(shape_, columns_.data(), std::size_t(positions), x + b * x_stride, beta);
  }
}

void Convolution::kernel_gradient(const double* x, std::size_t x_stride, const double* w,
                                  std::size_t w_stride, std::size_t batch, double* dK) {
  check_stride("input", x_stride, shape_.in_size(), batch);
  check_stride("output", w_stride, shape_.out_size(), batch);
  const int out = int(shape_.out_channels), positions = int(shape_.out_height() * shape_.out_width()),
            patch = int(shape_.patch_size());
  for (std::size_t b = 0; b < batch; ++b) {
    const double* patches = x + b * x_stride;
    if (!shape_.pointwise()) {
      im2col(shape_, patches, columns_.data(), std::size_t(positions));
      patches = columns_.data();
    }
    // dK (out x patch) += W_b (out x positions) . patches^T: image b's term, added after b - 1's.
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, out, patch, positions, 1.0, w + b * w_stride,
                positions, patches, positions, 1.0, dK, patch);
  }
}

}  // namespace neurode::models::kernels
