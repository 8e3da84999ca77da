#pragma once
/// "Same" convolutions (stride 1, odd kernel, zero padding (k - 1) / 2) through FFTW in double
/// precision, for the hGRU's horizontal kernel: the same operations and conventions as
/// kernels::Convolution (convolution.hpp: cross-correlation, kernel [out, in, k, k], images
/// [channels, height, width]; transpose = the exact adjoint; kernel_gradient = backward-weights).
///
/// Why: a k x k kernel on an H x W image costs C_out C_in k^2 H W multiply-adds directly or by
/// im2col + DGEMM, and C_out C_in (H + p)(W + p) / 2 complex ones plus (C_in + C_out) real FFTs in
/// the frequency domain; for the hGRU's 7x7 on 8x32x32 that is 5 to 6 times fewer operations, and
/// for the original 15x15 on 25x150x150 about 50 times (bench/convolution_bench.cpp measures it).
///
/// How: every channel is zero-padded to a P_h x P_w grid with P >= H + p, which keeps the circular
/// convolution free of wrap-around for taps within p of the centre; P is the smallest such size
/// whose factors are 2, 3, 5 and 7 (FFTW's fast sizes). The kernel's spectra are computed when the
/// kernel changes (the hGRU's W is fixed during a solve) and kept. The kernel gradient sums the
/// cross-spectra of all images of the call (in ascending b) and transforms each (out, in) pair back
/// once.
///
/// Determinism: plans are made with FFTW_ESTIMATE (no timing, so the same plan on every run and
/// rank) and always run on the object's own aligned buffers, so the same inputs give the same bits;
/// an image's forward and transpose results do not depend on the rest of its batch. Results differ
/// from the im2col path's by rounding (about 1e-16 of the inputs' norms).
///
/// Thread safety: FFTW's planner is not thread-safe; construct objects on one thread. An object owns
/// its buffers: one object per thread.
#include <cstddef>
#include <vector>

#include "models/kernels/convolution.hpp"

namespace neurode::models::kernels {

/// The smallest n >= minimum whose prime factors are 2, 3, 5 and 7.
std::size_t fft_friendly_size(std::size_t minimum);

/// The spectra of a batch of images (batch x channels x F complex values, split into real and
/// imaginary parts), kept by forward or transpose for a later kernel gradient.
/// Spectra to read (batch x channels x F of each part, `size` doubles each), held by a Spectra or
/// elsewhere (a model's recorded stage linearisation).
struct SpectraView {
  std::size_t batch = 0, channels = 0, size = 0;
  const double* re = nullptr;
  const double* im = nullptr;
};
struct Spectra {
  std::size_t batch = 0, channels = 0;
  std::vector<double> re, im;
  SpectraView view() const { return {batch, channels, re.size(), re.data(), im.data()}; }
};

class FftConvolution {
 public:
  /// Throws std::invalid_argument unless the shape is "same": stride 1, a square odd kernel and
  /// padding (k - 1) / 2, with positive sizes.
  explicit FftConvolution(ConvolutionShape shape);
  ~FftConvolution();
  FftConvolution(const FftConvolution&) = delete;
  FftConvolution& operator=(const FftConvolution&) = delete;

  const ConvolutionShape& shape() const { return shape_; }
  std::size_t grid_height() const { return grid_h_; }
  std::size_t grid_width() const { return grid_w_; }
  /// F, the complex values of one channel's spectrum: a Spectra of B images of C channels holds
  /// B C F of each part.
  std::size_t frequencies() const { return freqs_; }

  /// y_b = beta y_b + conv2d(x_b, K), as Convolution::forward; with `keep`, the spectra of the x_b
  /// are left there (at no extra cost: they are computed anyway).
  void forward(const double* kernel, const double* x, std::size_t x_stride, double* y, std::size_t y_stride,
               std::size_t batch, double beta, Spectra* keep = nullptr);
  /// x_b = beta x_b + conv_transpose2d(y_b, K), as Convolution::transpose; with `keep`, the spectra
  /// of the y_b.
  void transpose(const double* kernel, const double* y, std::size_t y_stride, double* x, std::size_t x_stride,
                 std::size_t batch, double beta, Spectra* keep = nullptr);
  /// kernel_gradient += sum over b of d<w_b, conv2d(x_b, K)>/dK, as Convolution::kernel_gradient.
  void kernel_gradient(const double* x, std::size_t x_stride, const double* w, std::size_t w_stride,
                       std::size_t batch, double* kernel_gradient);
  /// The same from kept spectra, for several terms at once: kernel_gradient += the sum over the
  /// terms (x, w), in order, and over their images, in ascending b, of d<w_b, conv2d(x_b, K)>/dK.
  /// x from forward (in_channels), w from transpose (out_channels), of equal batches.
  struct Term {
    SpectraView x;
    SpectraView w;
  };
  void kernel_gradient(const std::vector<Term>& terms, double* kernel_gradient);

 private:
  /// The spectrum of one image (channels x H x W at `image`) into `re`, `im` (channels x F each).
  void transform_image(const double* image, std::size_t channels, double* re, double* im);
  /// The spectrum in (re, im) transformed back; out = beta out + its H x W window.
  void inverse_into(const double* re, const double* im, double* out, double beta);
  /// Recomputes the kernel's spectra when `kernel` differs from the one they were made from.
  void use_kernel(const double* kernel);
  /// Room in `keep` (or the object's own arrays) for `batch` images of `channels` spectra.
  void reserve(Spectra& keep, std::size_t batch, std::size_t channels) const;
  /// cross[o][c] += conj(W_o) X_c for one image's spectra.
  void add_cross_spectra(const double* xr, const double* xi, const double* wr, const double* wi);
  /// kernel_gradient += the inverse transforms of cross, at the kernel's taps.
  void cross_into_kernel(double* kernel_gradient);

  ConvolutionShape shape_;
  std::size_t grid_h_ = 0, grid_w_ = 0, freqs_ = 0;  ///< F = P_h (P_w / 2 + 1) complex values
  double* real_ = nullptr;                           ///< P_h x P_w, FFTW-aligned
  void* spectrum_ = nullptr;                         ///< F complex, FFTW-aligned
  void* plan_forward_ = nullptr;
  void* plan_inverse_ = nullptr;
  std::vector<double> kernel_;                 ///< the kernel the spectra below were made from
  std::vector<double> kernel_re_, kernel_im_;  ///< [out][in][F]
  std::vector<double> in_re_, in_im_;          ///< [channels][F] of the input side
  std::vector<double> out_re_, out_im_;        ///< [channels][F] of the output side
  std::vector<double> cross_re_, cross_im_;    ///< [out][in][F], the kernel gradient's sums
  std::vector<double> sum_re_, sum_im_;        ///< [F], one channel's accumulated product
};

}  // namespace neurode::models::kernels
