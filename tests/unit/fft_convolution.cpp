// The frequency-domain "same" convolutions (models/kernels/fft_convolution.hpp) against the im2col +
// DGEMM ones (models/kernels/convolution.hpp, themselves checked against the convention's loops in
// convolution.cpp): forward, transpose and kernel gradient, beta, strided batches, the adjoint
// identity, an image's bits independent of its batch, a changed kernel, and refused shapes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/kernels/convolution.hpp"
#include "models/kernels/fft_convolution.hpp"
#include "support/reference.hpp"

namespace neurode {
namespace {

using models::kernels::Convolution;
using models::kernels::ConvolutionShape;
using models::kernels::FftConvolution;
using Vector = std::vector<double>;

// in, H, W, out, k, k, 1, (k - 1) / 2: square and not, channels in != out, the hGRU's 7x7 on 8
// channels, a 1x1, a kernel as wide as the image, and an image narrower than the kernel.
ConvolutionShape same(std::size_t in, std::size_t h, std::size_t w, std::size_t out, std::size_t k) {
  return {in, h, w, out, k, k, 1, (k - 1) / 2};
}
const std::vector<ConvolutionShape> kShapes = {
    same(1, 8, 8, 1, 3), same(3, 9, 11, 2, 5), same(8, 32, 32, 8, 7), same(2, 6, 5, 3, 1),
    same(2, 7, 7, 2, 7), same(1, 3, 4, 2, 5),  same(4, 15, 10, 4, 9)};

std::string name(const ConvolutionShape& s) {
  return std::to_string(s.in_channels) + "x" + std::to_string(s.in_height) + "x" +
         std::to_string(s.in_width) + " -> " + std::to_string(s.out_channels) + ", kernel " +
         std::to_string(s.kernel_height);
}

Vector random_vector(std::size_t n, unsigned seed) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  Vector v(n);
  for (double& e : v) e = uniform(engine);
  return v;
}

double max_abs(const Vector& v) {
  double m = 0;
  for (double e : v) m = std::max(m, std::abs(e));
  return m;
}

// The two paths round differently: agreement to 1e-12 of the largest entry.
::testing::AssertionResult close(const Vector& actual, const Vector& expected) {
  return testing::all_close(actual, expected, 1e-12, 1e-12 * max_abs(expected));
}

TEST(FftConvolution, GridIsTheSmallestFastSizeWithoutWrapAround) {
  EXPECT_EQ(models::kernels::fft_friendly_size(35), 35u);  // 5 7
  EXPECT_EQ(models::kernels::fft_friendly_size(37), 40u);
  EXPECT_EQ(models::kernels::fft_friendly_size(157), 160u);
  EXPECT_EQ(models::kernels::fft_friendly_size(1), 1u);
  FftConvolution conv(same(8, 32, 32, 8, 7));  // P >= 32 + 3
  EXPECT_EQ(conv.grid_height(), 35u);
  EXPECT_EQ(conv.grid_width(), 35u);
}

TEST(FftConvolution, ForwardTransposeAndKernelGradientMatchIm2col) {
  const std::size_t batch = 3;
  for (const auto& s : kShapes) {
    SCOPED_TRACE(name(s));
    const Vector K = random_vector(s.kernel_size(), 1), x = random_vector(batch * s.in_size(), 2),
                 w = random_vector(batch * s.out_size(), 3);
    Convolution direct(s);
    FftConvolution fft(s);
    Vector y0(batch * s.out_size()), y1(batch * s.out_size(), std::numeric_limits<double>::quiet_NaN());
    direct.forward(K.data(), x.data(), s.in_size(), y0.data(), s.out_size(), batch, 0.0);
    fft.forward(K.data(), x.data(), s.in_size(), y1.data(), s.out_size(), batch,
                0.0);  // beta 0 overwrites NaN
    EXPECT_TRUE(close(y1, y0)) << "forward";
    Vector x0(batch * s.in_size()), x1(batch * s.in_size(), std::numeric_limits<double>::quiet_NaN());
    direct.transpose(K.data(), w.data(), s.out_size(), x0.data(), s.in_size(), batch, 0.0);
    fft.transpose(K.data(), w.data(), s.out_size(), x1.data(), s.in_size(), batch, 0.0);
    EXPECT_TRUE(close(x1, x0)) << "transpose";
    Vector g0 = random_vector(s.kernel_size(), 4), g1 = g0;  // both add to what is there
    direct.kernel_gradient(x.data(), s.in_size(), w.data(), s.out_size(), batch, g0.data());
    fft.kernel_gradient(x.data(), s.in_size(), w.data(), s.out_size(), batch, g1.data());
    EXPECT_TRUE(close(g1, g0)) << "kernel gradient";
  }
}

TEST(FftConvolution, KernelGradientFromKeptSpectraSumsItsTerms) {
  // Two terms (x1, w1) and (x2, w2), their spectra kept by forward and transpose: the gradient is
  // the sum of the two plain kernel gradients, and keeping spectra changes no product.
  const ConvolutionShape s = same(3, 10, 9, 2, 5);
  const std::size_t batch = 2;
  const Vector K = random_vector(s.kernel_size(), 20);
  const Vector x1 = random_vector(batch * s.in_size(), 21), x2 = random_vector(batch * s.in_size(), 22);
  const Vector w1 = random_vector(batch * s.out_size(), 23), w2 = random_vector(batch * s.out_size(), 24);
  FftConvolution fft(s);
  models::kernels::Spectra sx1, sx2, sw1, sw2;
  Vector y(batch * s.out_size()), kept(batch * s.out_size()), x(batch * s.in_size()), xk(batch * s.in_size());
  fft.forward(K.data(), x1.data(), s.in_size(), y.data(), s.out_size(), batch, 0.0);
  fft.forward(K.data(), x1.data(), s.in_size(), kept.data(), s.out_size(), batch, 0.0, &sx1);
  EXPECT_EQ(0, std::memcmp(y.data(), kept.data(), y.size() * sizeof(double)));
  fft.forward(K.data(), x2.data(), s.in_size(), kept.data(), s.out_size(), batch, 0.0, &sx2);
  fft.transpose(K.data(), w1.data(), s.out_size(), x.data(), s.in_size(), batch, 0.0);
  fft.transpose(K.data(), w1.data(), s.out_size(), xk.data(), s.in_size(), batch, 0.0, &sw1);
  EXPECT_EQ(0, std::memcmp(x.data(), xk.data(), x.size() * sizeof(double)));
  fft.transpose(K.data(), w2.data(), s.out_size(), xk.data(), s.in_size(), batch, 0.0, &sw2);
  Vector expected(s.kernel_size(), 0.5), actual = expected;
  Convolution direct(s);
  direct.kernel_gradient(x1.data(), s.in_size(), w1.data(), s.out_size(), batch, expected.data());
  direct.kernel_gradient(x2.data(), s.in_size(), w2.data(), s.out_size(), batch, expected.data());
  fft.kernel_gradient({{sx1.view(), sw1.view()}, {sx2.view(), sw2.view()}}, actual.data());
  EXPECT_TRUE(close(actual, expected));
  // Spectra of the wrong side (w's where x's belong) are refused.
  EXPECT_THROW(fft.kernel_gradient({{sw1.view(), sx1.view()}}, actual.data()), std::invalid_argument);
}

TEST(FftConvolution, BetaAndStridedBatchesLeaveTheGapsAlone) {
  const ConvolutionShape s = same(2, 6, 7, 3, 3);
  const std::size_t batch = 2, xs = s.in_size() + 5, ys = s.out_size() + 4;
  const Vector K = random_vector(s.kernel_size(), 5), x = random_vector(batch * xs, 6);
  const Vector start = random_vector(batch * ys, 7);
  Vector y0 = start, y1 = start;
  Convolution(s).forward(K.data(), x.data(), xs, y0.data(), ys, batch, 0.5);
  FftConvolution(s).forward(K.data(), x.data(), xs, y1.data(), ys, batch, 0.5);
  EXPECT_TRUE(close(y1, y0));
  for (std::size_t b = 0; b < batch; ++b)
    for (std::size_t g = s.out_size(); g < ys; ++g) EXPECT_EQ(y1[b * ys + g], start[b * ys + g]) << "gap";
  Vector x0 = x, x1 = x;
  Convolution(s).transpose(K.data(), y0.data(), ys, x0.data(), xs, batch, -2.0);
  FftConvolution(s).transpose(K.data(), y0.data(), ys, x1.data(), xs, batch, -2.0);
  EXPECT_TRUE(close(x1, x0));
  for (std::size_t b = 0; b < batch; ++b)
    for (std::size_t g = s.in_size(); g < xs; ++g) EXPECT_EQ(x1[b * xs + g], x[b * xs + g]) << "gap";
}

TEST(FftConvolution, TransposeIsTheAdjointOfForward) {
  for (const auto& s : kShapes) {
    const Vector K = random_vector(s.kernel_size(), 8), x = random_vector(s.in_size(), 9),
                 w = random_vector(s.out_size(), 10);
    Vector y(s.out_size()), xt(s.in_size());
    FftConvolution conv(s);
    conv.forward(K.data(), x.data(), s.in_size(), y.data(), s.out_size(), 1, 0.0);
    conv.transpose(K.data(), w.data(), s.out_size(), xt.data(), s.in_size(), 1, 0.0);
    double wy = 0, xx = 0, scale = 0;
    for (std::size_t i = 0; i < y.size(); ++i) wy += w[i] * y[i], scale += std::abs(w[i] * y[i]);
    for (std::size_t i = 0; i < x.size(); ++i) xx += xt[i] * x[i];
    EXPECT_NEAR(wy, xx, 1e-13 * scale) << name(s);
  }
}

TEST(FftConvolution, AnImageKeepsItsBitsWhateverItsBatch) {
  const ConvolutionShape s = same(8, 32, 32, 8, 7);
  const std::size_t batch = 5;
  const Vector K = random_vector(s.kernel_size(), 11), x = random_vector(batch * s.in_size(), 12);
  FftConvolution conv(s);
  Vector all(batch * s.out_size()), alone(s.out_size());
  conv.forward(K.data(), x.data(), s.in_size(), all.data(), s.out_size(), batch, 0.0);
  conv.forward(K.data(), x.data() + 3 * s.in_size(), s.in_size(), alone.data(), s.out_size(), 1, 0.0);
  EXPECT_EQ(0, std::memcmp(alone.data(), all.data() + 3 * s.out_size(), alone.size() * sizeof(double)));
}

TEST(FftConvolution, AChangedKernelIsUsed) {
  // The kernel's spectra are kept between calls; a kernel with other values must replace them.
  const ConvolutionShape s = same(2, 9, 9, 2, 5);
  Vector K = random_vector(s.kernel_size(), 13);
  const Vector x = random_vector(s.in_size(), 14);
  FftConvolution fft(s);
  Convolution direct(s);
  Vector y0(s.out_size()), y1(s.out_size());
  fft.forward(K.data(), x.data(), s.in_size(), y1.data(), s.out_size(), 1, 0.0);
  K[7] += 0.25;  // the same buffer, one entry changed
  fft.forward(K.data(), x.data(), s.in_size(), y1.data(), s.out_size(), 1, 0.0);
  direct.forward(K.data(), x.data(), s.in_size(), y0.data(), s.out_size(), 1, 0.0);
  EXPECT_TRUE(close(y1, y0));
}

TEST(FftConvolution, RefusesShapesThatAreNotSame) {
  for (const ConvolutionShape& bad :
       {ConvolutionShape{1, 8, 8, 1, 4, 4, 1, 1}, ConvolutionShape{1, 8, 8, 1, 3, 3, 2, 1},
        ConvolutionShape{1, 8, 8, 1, 3, 3, 1, 0}, ConvolutionShape{1, 8, 8, 1, 3, 5, 1, 1},
        ConvolutionShape{0, 8, 8, 1, 3, 3, 1, 1}})
    EXPECT_THROW(FftConvolution{bad}, std::invalid_argument);
  FftConvolution conv(same(1, 4, 4, 1, 3));
  Vector K(9, 1.0), x(32, 0.0), y(32, 0.0);
  EXPECT_THROW(conv.forward(K.data(), x.data(), 10, y.data(), 16, 2, 0.0),
               std::invalid_argument);  // overlapping
}

}  // namespace
}  // namespace neurode
