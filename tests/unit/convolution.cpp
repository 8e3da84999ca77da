// The image models' convolutions (models/kernels/convolution.hpp) against direct loops written
// here from the convention (PyTorch's conv2d / conv_transpose2d), the adjoint identity, finite
// differences, the batch layout and bitwise independence of an image from its batch, and the
// pc_conv.h5 reference.
#include <cblas.h>
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
#include "support/reference.hpp"

namespace neurode {
namespace {

using models::kernels::Convolution;
using models::kernels::ConvolutionShape;
using Vector = std::vector<double>;

// in, H, W, out, kh, kw, stride, padding: strides 1 to 3, padding 0 to 3, non-square images and
// kernels, a kernel wider than the image, 1x1 both plain (a GEMM alone) and strided / padded.
const std::vector<ConvolutionShape> kShapes = {
    {1, 8, 8, 4, 4, 4, 2, 1},  {4, 4, 4, 6, 4, 4, 2, 1}, {3, 6, 6, 3, 3, 3, 1, 1}, {2, 7, 5, 3, 3, 2, 2, 0},
    {3, 9, 11, 2, 7, 7, 1, 3}, {5, 4, 6, 3, 1, 1, 1, 0}, {2, 5, 5, 3, 1, 1, 2, 1}, {1, 3, 3, 2, 5, 5, 1, 2},
    {2, 10, 9, 2, 3, 2, 3, 1}, {2, 6, 4, 3, 2, 3, 1, 0}};

std::string name(const ConvolutionShape& s) {
  return std::to_string(s.in_channels) + "x" + std::to_string(s.in_height) + "x" +
         std::to_string(s.in_width) + " -> " + std::to_string(s.out_channels) + " channels, kernel " +
         std::to_string(s.kernel_height) + "x" + std::to_string(s.kernel_width) + " s" +
         std::to_string(s.stride) + " p" + std::to_string(s.padding);
}

Vector random_vector(std::size_t n, unsigned seed) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  Vector v(n);
  for (double& e : v) e = uniform(engine);
  return v;
}

double dot(const Vector& a, const Vector& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
  return sum;
}

// The convention's formula, one term at a time: the visit f(o, i, j, c, row, col, k) for every
// kernel entry k = K[o, c, u, v] that meets pixel (c, row, col) of the unpadded image at output
// (o, i, j).
template <class Visit>
void for_each_term(const ConvolutionShape& s, Visit visit) {
  for (std::size_t o = 0; o < s.out_channels; ++o)
    for (std::size_t i = 0; i < s.out_height(); ++i)
      for (std::size_t j = 0; j < s.out_width(); ++j)
        for (std::size_t c = 0; c < s.in_channels; ++c)
          for (std::size_t u = 0; u < s.kernel_height; ++u)
            for (std::size_t v = 0; v < s.kernel_width; ++v) {
              const long row = long(s.stride * i + u) - long(s.padding);
              const long col = long(s.stride * j + v) - long(s.padding);
              if (row < 0 || col < 0 || row >= long(s.in_height) || col >= long(s.in_width)) continue;
              const std::size_t out = (o * s.out_height() + i) * s.out_width() + j;
              const std::size_t in = (c * s.in_height + std::size_t(row)) * s.in_width + std::size_t(col);
              const std::size_t k = ((o * s.in_channels + c) * s.kernel_height + u) * s.kernel_width + v;
              visit(out, in, k);
            }
}

Vector direct_forward(const ConvolutionShape& s, const Vector& K, const Vector& x) {
  Vector y(s.out_size(), 0.0);
  for_each_term(s, [&](std::size_t out, std::size_t in, std::size_t k) { y[out] += K[k] * x[in]; });
  return y;
}

Vector direct_transpose(const ConvolutionShape& s, const Vector& K, const Vector& y) {
  Vector x(s.in_size(), 0.0);
  for_each_term(s, [&](std::size_t out, std::size_t in, std::size_t k) { x[in] += K[k] * y[out]; });
  return x;
}

Vector direct_kernel_gradient(const ConvolutionShape& s, const Vector& x, const Vector& w) {
  Vector dK(s.kernel_size(), 0.0);
  for_each_term(s, [&](std::size_t out, std::size_t in, std::size_t k) { dK[k] += w[out] * x[in]; });
  return dK;
}

// Image b of a contiguous batch.
Vector image(const Vector& batch, std::size_t size, std::size_t b) {
  return Vector(batch.begin() + long(b * size), batch.begin() + long((b + 1) * size));
}

double max_abs(const Vector& v) {
  double m = 0;
  for (double e : v) m = std::max(m, std::abs(e));
  return m;
}

// Agreement to 1e-13 of the largest entry: the direct loops add the same products in another order.
::testing::AssertionResult close(const Vector& actual, const Vector& expected) {
  return testing::all_close(actual, expected, 1e-13, 1e-13 * max_abs(expected));
}

TEST(Convolution, ForwardMatchesDirectLoops) {
  const std::size_t batch = 3;
  for (const auto& s : kShapes) {
    const Vector K = random_vector(s.kernel_size(), 1), x = random_vector(batch * s.in_size(), 2);
    Vector y(batch * s.out_size(), std::numeric_limits<double>::quiet_NaN());  // beta 0 overwrites
    Convolution conv(s);
    conv.forward(K.data(), x.data(), s.in_size(), y.data(), s.out_size(), batch, 0.0);
    for (std::size_t b = 0; b < batch; ++b)
      EXPECT_TRUE(close(image(y, s.out_size(), b), direct_forward(s, K, image(x, s.in_size(), b))))
          << name(s) << ", image " << b;
  }
}

TEST(Convolution, TransposeMatchesDirectLoops) {
  const std::size_t batch = 3;
  for (const auto& s : kShapes) {
    const Vector K = random_vector(s.kernel_size(), 3), y = random_vector(batch * s.out_size(), 4);
    Vector x(batch * s.in_size(), std::numeric_limits<double>::quiet_NaN());
    Convolution conv(s);
    conv.transpose(K.data(), y.data(), s.out_size(), x.data(), s.in_size(), batch, 0.0);
    for (std::size_t b = 0; b < batch; ++b)
      EXPECT_TRUE(close(image(x, s.in_size(), b), direct_transpose(s, K, image(y, s.out_size(), b))))
          << name(s) << ", image " << b;
  }
}

TEST(Convolution, TransposeIsTheAdjointOfForward) {
  for (const auto& s : kShapes) {
    const Vector K = random_vector(s.kernel_size(), 5), x = random_vector(s.in_size(), 6),
                 w = random_vector(s.out_size(), 7);
    Vector y(s.out_size()), xt(s.in_size());
    Convolution conv(s);
    conv.forward(K.data(), x.data(), s.in_size(), y.data(), s.out_size(), 1, 0.0);
    conv.transpose(K.data(), w.data(), s.out_size(), xt.data(), s.in_size(), 1, 0.0);
    const double lhs = dot(w, y), rhs = dot(xt, x);
    EXPECT_NEAR(lhs, rhs, 1e-13 * std::max(1.0, std::abs(lhs))) << name(s);
  }
}

TEST(Convolution, KernelGradientMatchesDirectLoopsAndAddsToTheGradient) {
  const std::size_t batch = 4;
  for (const auto& s : kShapes) {
    const Vector x = random_vector(batch * s.in_size(), 8), w = random_vector(batch * s.out_size(), 9);
    const Vector start = random_vector(s.kernel_size(), 10);
    Vector expected = start;
    for (std::size_t b = 0; b < batch; ++b) {
      const Vector term = direct_kernel_gradient(s, image(x, s.in_size(), b), image(w, s.out_size(), b));
      for (std::size_t k = 0; k < term.size(); ++k) expected[k] += term[k];
    }
    Vector dK = start;
    Convolution conv(s);
    conv.kernel_gradient(x.data(), s.in_size(), w.data(), s.out_size(), batch, dK.data());
    EXPECT_TRUE(close(dK, expected)) << name(s);
  }
}

// <w, conv(x, K)> is linear in K: central differences are exact but for rounding.
TEST(Convolution, KernelGradientMatchesCentralDifferences) {
  const std::size_t batch = 2;
  for (const auto& s : kShapes) {
    const Vector x = random_vector(batch * s.in_size(), 11), w = random_vector(batch * s.out_size(), 12);
    Vector K = random_vector(s.kernel_size(), 13);
    Convolution conv(s);
    Vector y(batch * s.out_size());
    const auto objective = [&] {
      conv.forward(K.data(), x.data(), s.in_size(), y.data(), s.out_size(), batch, 0.0);
      return dot(w, y);
    };
    Vector dK(s.kernel_size(), 0.0), differences(s.kernel_size());
    conv.kernel_gradient(x.data(), s.in_size(), w.data(), s.out_size(), batch, dK.data());
    const double h = 1e-3;
    for (std::size_t k = 0; k < K.size(); ++k) {
      const double saved = K[k];
      K[k] = saved + h;
      const double up = objective();
      K[k] = saved - h;
      const double down = objective();
      K[k] = saved;
      differences[k] = (up - down) / (2 * h);
    }
    EXPECT_TRUE(testing::all_close(dK, differences, 1e-9, 1e-10)) << name(s);
  }
}

TEST(Convolution, BetaScalesWhatIsThere) {
  for (const auto& s : kShapes) {
    const Vector K = random_vector(s.kernel_size(), 14), x = random_vector(s.in_size(), 15),
                 w = random_vector(s.out_size(), 16);
    const Vector y0 = random_vector(s.out_size(), 17), x0 = random_vector(s.in_size(), 18);
    const Vector conv_x = direct_forward(s, K, x), conv_t_w = direct_transpose(s, K, w);
    Convolution conv(s);
    for (double beta : {0.0, 1.0, 0.5}) {
      Vector y = y0, xt = x0, y_expected(y0.size()), x_expected(x0.size());
      for (std::size_t i = 0; i < y0.size(); ++i) y_expected[i] = beta * y0[i] + conv_x[i];
      for (std::size_t i = 0; i < x0.size(); ++i) x_expected[i] = beta * x0[i] + conv_t_w[i];
      conv.forward(K.data(), x.data(), s.in_size(), y.data(), s.out_size(), 1, beta);
      conv.transpose(K.data(), w.data(), s.out_size(), xt.data(), s.in_size(), 1, beta);
      EXPECT_TRUE(close(y, y_expected)) << name(s) << ", forward, beta " << beta;
      EXPECT_TRUE(close(xt, x_expected)) << name(s) << ", transpose, beta " << beta;
    }
  }
}

// Images inside larger state vectors: the gaps between them stay as they were, and each image's
// result is the one of a contiguous batch.
TEST(Convolution, StridedBatchesLeaveTheGapsUntouched) {
  const std::size_t batch = 3, gap = 5;
  const double sentinel = -12345.678;
  for (const auto& s : kShapes) {
    const std::size_t in_stride = s.in_size() + gap, out_stride = s.out_size() + gap + 2;
    const Vector K = random_vector(s.kernel_size(), 19);
    Vector x(batch * in_stride, sentinel), w(batch * out_stride, sentinel);
    const Vector x_dense = random_vector(batch * s.in_size(), 20),
                 w_dense = random_vector(batch * s.out_size(), 21);
    for (std::size_t b = 0; b < batch; ++b) {
      std::copy_n(x_dense.begin() + long(b * s.in_size()), s.in_size(), x.begin() + long(b * in_stride));
      std::copy_n(w_dense.begin() + long(b * s.out_size()), s.out_size(), w.begin() + long(b * out_stride));
    }
    Convolution conv(s);
    Vector y(batch * out_stride, sentinel), xt(batch * in_stride, sentinel), y_dense(batch * s.out_size()),
        xt_dense(batch * s.in_size());
    Vector dK(s.kernel_size(), 0.0), dK_dense(s.kernel_size(), 0.0);
    conv.forward(K.data(), x.data(), in_stride, y.data(), out_stride, batch, 0.0);
    conv.transpose(K.data(), w.data(), out_stride, xt.data(), in_stride, batch, 0.0);
    conv.kernel_gradient(x.data(), in_stride, w.data(), out_stride, batch, dK.data());
    conv.forward(K.data(), x_dense.data(), s.in_size(), y_dense.data(), s.out_size(), batch, 0.0);
    conv.transpose(K.data(), w_dense.data(), s.out_size(), xt_dense.data(), s.in_size(), batch, 0.0);
    conv.kernel_gradient(x_dense.data(), s.in_size(), w_dense.data(), s.out_size(), batch, dK_dense.data());
    for (std::size_t b = 0; b < batch; ++b) {
      EXPECT_EQ(Vector(y.begin() + long(b * out_stride), y.begin() + long(b * out_stride + s.out_size())),
                image(y_dense, s.out_size(), b))
          << name(s);
      EXPECT_EQ(Vector(xt.begin() + long(b * in_stride), xt.begin() + long(b * in_stride + s.in_size())),
                image(xt_dense, s.in_size(), b))
          << name(s);
      for (std::size_t g = s.out_size(); g < out_stride; ++g)
        ASSERT_EQ(y[b * out_stride + g], sentinel) << name(s);
      for (std::size_t g = s.in_size(); g < in_stride; ++g)
        ASSERT_EQ(xt[b * in_stride + g], sentinel) << name(s);
    }
    EXPECT_EQ(dK, dK_dense) << name(s);
  }
}

bool same_bits(const double* a, const double* b, std::size_t n) {
  return std::memcmp(a, b, n * sizeof(double)) == 0;
}

// The bench's shapes and the tests': one image alone and as image 4 of 7 (the others random) give
// the same bits, forward and transpose.
TEST(Convolution, AnImagesResultDoesNotDependOnItsBatch) {
  std::vector<ConvolutionShape> shapes = kShapes;
  shapes.insert(shapes.end(),
                {{1, 28, 28, 16, 4, 4, 2, 1}, {16, 14, 14, 32, 4, 4, 2, 1}, {8, 32, 32, 8, 7, 7, 1, 3}});
  const std::size_t batch = 7, at = 4;
  for (const auto& s : shapes) {
    const Vector K = random_vector(s.kernel_size(), 22);
    const Vector x = random_vector(batch * s.in_size(), 23), w = random_vector(batch * s.out_size(), 24);
    const Vector x_alone = image(x, s.in_size(), at), w_alone = image(w, s.out_size(), at);
    Convolution conv(s);
    Vector y(batch * s.out_size()), y_alone(s.out_size()), xt(batch * s.in_size()), xt_alone(s.in_size());
    conv.forward(K.data(), x.data(), s.in_size(), y.data(), s.out_size(), batch, 0.0);
    conv.forward(K.data(), x_alone.data(), s.in_size(), y_alone.data(), s.out_size(), 1, 0.0);
    conv.transpose(K.data(), w.data(), s.out_size(), xt.data(), s.in_size(), batch, 0.0);
    conv.transpose(K.data(), w_alone.data(), s.out_size(), xt_alone.data(), s.in_size(), 1, 0.0);
    EXPECT_TRUE(same_bits(y.data() + at * s.out_size(), y_alone.data(), s.out_size())) << name(s);
    EXPECT_TRUE(same_bits(xt.data() + at * s.in_size(), xt_alone.data(), s.in_size())) << name(s);
  }
}

// No result depends on thread timing: with 2 OpenBLAS threads, repeated runs give the same bits.
// Across thread counts equal bits are not promised (OpenBLAS's split of a product over its threads
// can change the arithmetic: one DGEMM over a whole image of the hGRU's 7x7 does, by ~1e-15), so
// 1 thread is only required to agree to rounding.
TEST(Convolution, BlasThreadsChangeNoBitsFromRunToRun) {
  const int threads = openblas_get_num_threads();
  const std::vector<ConvolutionShape> shapes = {{1, 28, 28, 16, 4, 4, 2, 1},
                                                {16, 14, 14, 32, 4, 4, 2, 1},
                                                {8, 32, 32, 8, 7, 7, 1, 3},
                                                {8, 32, 32, 8, 1, 1}};
  const std::size_t batch = 4;
  const auto run = [&](Convolution& conv, const Vector& K, const Vector& x, const Vector& w) {
    const auto& s = conv.shape();
    std::vector<Vector> results{Vector(batch * s.out_size()), Vector(batch * s.in_size()),
                                Vector(s.kernel_size(), 0.0)};
    conv.forward(K.data(), x.data(), s.in_size(), results[0].data(), s.out_size(), batch, 0.0);
    conv.transpose(K.data(), w.data(), s.out_size(), results[1].data(), s.in_size(), batch, 0.0);
    conv.kernel_gradient(x.data(), s.in_size(), w.data(), s.out_size(), batch, results[2].data());
    return results;
  };
  for (const auto& s : shapes) {
    const Vector K = random_vector(s.kernel_size(), 25);
    const Vector x = random_vector(batch * s.in_size(), 26), w = random_vector(batch * s.out_size(), 27);
    Convolution conv(s);
    openblas_set_num_threads(1);
    const auto one = run(conv, K, x, w);
    openblas_set_num_threads(2);
    const auto first = run(conv, K, x, w);
    for (int repeat = 0; repeat < 5; ++repeat) {
      const auto again = run(conv, K, x, w);
      for (std::size_t r = 0; r < 3; ++r)
        ASSERT_TRUE(same_bits(again[r].data(), first[r].data(), first[r].size()))
            << name(s) << ", result " << r;
    }
    for (std::size_t r = 0; r < 3; ++r) EXPECT_TRUE(close(first[r], one[r])) << name(s) << ", result " << r;
  }
  openblas_set_num_threads(threads);
}

// Blocks of output rows (the cache blocking of large images) give the single block's result: the
// same products, summed in another order.
TEST(Convolution, RowBlocksGiveTheWholeImagesResult) {
  const std::size_t batch = 2;
  for (const auto& s : kShapes) {
    if (s.pointwise()) continue;
    const Vector K = random_vector(s.kernel_size(), 28), x = random_vector(batch * s.in_size(), 29),
                 w = random_vector(batch * s.out_size(), 30), x0 = random_vector(batch * s.in_size(), 31);
    for (std::size_t rows : {1, 2, 3}) {
      Convolution blocks(s, rows), whole(s, s.out_height());
      Vector y = w, y_whole = w, xt = x0, xt_whole = x0, dK(s.kernel_size(), 0.0), dK_whole(dK);
      blocks.forward(K.data(), x.data(), s.in_size(), y.data(), s.out_size(), batch, 0.5);
      whole.forward(K.data(), x.data(), s.in_size(), y_whole.data(), s.out_size(), batch, 0.5);
      blocks.transpose(K.data(), w.data(), s.out_size(), xt.data(), s.in_size(), batch, 0.5);
      whole.transpose(K.data(), w.data(), s.out_size(), xt_whole.data(), s.in_size(), batch, 0.5);
      blocks.kernel_gradient(x.data(), s.in_size(), w.data(), s.out_size(), batch, dK.data());
      whole.kernel_gradient(x.data(), s.in_size(), w.data(), s.out_size(), batch, dK_whole.data());
      EXPECT_TRUE(close(y, y_whole)) << name(s) << ", " << rows << " rows a block";
      EXPECT_TRUE(close(xt, xt_whole)) << name(s) << ", " << rows << " rows a block";
      EXPECT_TRUE(close(dK, dK_whole)) << name(s) << ", " << rows << " rows a block";
    }
  }
}

TEST(Convolution, AShapeWithoutOutputThrows) {
  const std::vector<ConvolutionShape> bad = {{1, 3, 3, 2, 4, 4, 1, 0},  // kernel larger than the image
                                             {1, 3, 8, 2, 6, 3, 1, 1},  // taller than the padded image
                                             {1, 8, 8, 2, 3, 3, 0, 1},  // stride 0
                                             {0, 8, 8, 2, 3, 3, 1, 1},  // no input channels
                                             {1, 8, 8, 0, 3, 3, 1, 1},  // no output channels
                                             {1, 8, 8, 2, 0, 3, 1, 1},  // empty kernel
                                             {}};
  for (const auto& s : bad) {
    try {
      Convolution conv(s);
      ADD_FAILURE() << name(s) << " did not throw";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("gives no output"), std::string::npos) << e.what();
    }
  }
}

// pc_conv.h5: at t = 0 every state is 0, so dr1/dt(0) = k1 conv2d(x, K1, s 2, p 1) exactly. The
// stored trajectory gives that slope to O(dt^4) through a one-sided 5-point difference; a flipped
// kernel or a misplaced padding would be off by O(1).
TEST(Convolution, GivesTheSlopeOfTheReferencePredictiveCodingTrajectory) {
  io::Hdf5File file(testing::reference_path("vision/pc_conv.h5"), io::Hdf5File::Mode::read);
  const io::Array x = file.read("x"), K1 = file.read("K1"), r1 = file.read("r1"), t = file.read("t");
  const double k1 = file.read_attribute("/", "k1");
  const auto stride = std::size_t(file.read_attribute("/", "stride")),
             padding = std::size_t(file.read_attribute("/", "padding"));
  ASSERT_EQ(K1.shape, (std::vector<std::size_t>{4, 1, 4, 4}));
  const ConvolutionShape s{1, x.shape[1], x.shape[2], 4, 4, 4, stride, padding};
  const std::size_t n = s.out_size();
  ASSERT_EQ(r1.values.size() / r1.shape[0], n);
  Vector y(n);
  Convolution conv(s);
  conv.forward(K1.values.data(), x.values.data(), s.in_size(), y.data(), n, 1, 0.0);
  const double h = t.values[1] - t.values[0];
  Vector slope(n), expected(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto r = [&](std::size_t step) { return r1.values[step * n + i]; };
    slope[i] = (-25 * r(0) + 48 * r(1) - 36 * r(2) + 16 * r(3) - 3 * r(4)) / (12 * h);
    expected[i] = k1 * y[i];
  }
  EXPECT_LT(testing::max_relative_error(slope, expected), 1e-3);
  EXPECT_GT(max_abs(expected), 0.1);  // a real slope, not 0 = 0
}

}  // namespace
}  // namespace neurode
