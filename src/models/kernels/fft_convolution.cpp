#include "models/kernels/fft_convolution.hpp"

#include <fftw3.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

namespace neurode::models::kernels {
namespace {

fftw_plan as_plan(void* plan) { return static_cast<fftw_plan>(plan); }
fftw_complex* as_complex(void* buffer) { return static_cast<fftw_complex*>(buffer); }

void check_stride(const char* what, std::size_t stride, std::size_t size, std::size_t batch) {
  if (batch > 1 && stride < size)
    throw std::invalid_argument(std::string("FFT convolution: the ") + what + " stride " +
                                std::to_string(stride) + " is below the image size " + std::to_string(size) +
                                ": images would overlap");
}

// Index of the tap offset d in [-p, p] on a circular grid of n points.
std::size_t wrap(long d, std::size_t n) {
  return static_cast<std::size_t>(d < 0 ? d + static_cast<long>(n) : d);
}

}  // namespace

std::size_t fft_friendly_size(std::size_t minimum) {
  for (std::size_t n = std::max<std::size_t>(minimum, 1);; ++n) {
    std::size_t m = n;
    for (std::size_t f : {2u, 3u, 5u, 7u})
      while (m % f == 0) m /= f;
    if (m == 1) return n;
  }
}

FftConvolution::FftConvolution(ConvolutionShape shape) : shape_(shape) {
  const auto& s = shape_;
  if (s.in_channels == 0 || s.out_channels == 0 || s.in_height == 0 || s.in_width == 0 ||
      s.kernel_height != s.kernel_width || s.kernel_height % 2 == 0 || s.stride != 1 ||
      s.padding != (s.kernel_height - 1) / 2)
    throw std::invalid_argument(
        "FFT convolution: needs a \"same\" shape (stride 1, a square odd kernel, padding (k - 1) / 2) "
        "with positive sizes");
  grid_h_ = fft_friendly_size(s.in_height + s.padding);
  grid_w_ = fft_friendly_size(s.in_width + s.padding);
  freqs_ = grid_h_ * (grid_w_ / 2 + 1);
  real_ = fftw_alloc_real(grid_h_ * grid_w_);
  spectrum_ = fftw_alloc_complex(freqs_);
  if (!real_ || !spectrum_) {
    fftw_free(real_);
    fftw_free(spectrum_);
    throw std::bad_alloc();
  }
  // FFTW_ESTIMATE: the plan does not depend on timings, so every run and rank uses the same one.
  plan_forward_ =
      fftw_plan_dft_r2c_2d(int(grid_h_), int(grid_w_), real_, as_complex(spectrum_), FFTW_ESTIMATE);
  plan_inverse_ =
      fftw_plan_dft_c2r_2d(int(grid_h_), int(grid_w_), as_complex(spectrum_), real_, FFTW_ESTIMATE);
  const std::size_t pairs = s.out_channels * s.in_channels;
  for (auto* v : {&kernel_re_, &kernel_im_, &cross_re_, &cross_im_}) v->assign(pairs * freqs_, 0.0);
  for (auto* v : {&in_re_, &in_im_}) v->assign(s.in_channels * freqs_, 0.0);
  for (auto* v : {&out_re_, &out_im_}) v->assign(s.out_channels * freqs_, 0.0);
  for (auto* v : {&sum_re_, &sum_im_}) v->assign(freqs_, 0.0);
}

FftConvolution::~FftConvolution() {
  fftw_destroy_plan(as_plan(plan_forward_));
  fftw_destroy_plan(as_plan(plan_inverse_));
  fftw_free(real_);
  fftw_free(spectrum_);
}

void FftConvolution::transform_image(const double* image, std::size_t channels, double* re, double* im) {
  const std::size_t H = shape_.in_height, W = shape_.in_width;
  for (std::size_t c = 0; c < channels; ++c) {
    std::fill(real_, real_ + grid_h_ * grid_w_, 0.0);
    for (std::size_t i = 0; i < H; ++i) std::copy_n(image + (c * H + i) * W, W, real_ + i * grid_w_);
    fftw_execute(as_plan(plan_forward_));
    const fftw_complex* z = as_complex(spectrum_);
    for (std::size_t f = 0; f < freqs_; ++f) {
      re[c * freqs_ + f] = z[f][0];
      im[c * freqs_ + f] = z[f][1];
    }
  }
}

void FftConvolution::inverse_into(const double* re, const double* im, double* out, double beta) {
  fftw_complex* z = as_complex(spectrum_);
  for (std::size_t f = 0; f < freqs_; ++f) {
    z[f][0] = re[f];
    z[f][1] = im[f];
  }
  fftw_execute(as_plan(plan_inverse_));  // unnormalised: N times the inverse
  const double scale = 1.0 / static_cast<double>(grid_h_ * grid_w_);
  const std::size_t H = shape_.in_height, W = shape_.in_width;
  for (std::size_t i = 0; i < H; ++i) {
    const double* from = real_ + i * grid_w_;
    double* to = out + i * W;
    if (beta == 0.0)
      for (std::size_t j = 0; j < W; ++j) to[j] = scale * from[j];
    else
      for (std::size_t j = 0; j < W; ++j) to[j] = beta * to[j] + scale * from[j];
  }
}

void FftConvolution::use_kernel(const double* K) {
  const std::size_t size = shape_.kernel_size();
  if (kernel_.size() == size && std::memcmp(kernel_.data(), K, size * sizeof(double)) == 0) return;
  kernel_.assign(K, K + size);
  const std::size_t k = shape_.kernel_height, p = shape_.padding,
                    pairs = shape_.out_channels * shape_.in_channels;
  // y[i] = sum_u K[u] x[i + u - p] is the circular convolution of x with g, g[(p - u) mod P] = K[u].
  for (std::size_t pair = 0; pair < pairs; ++pair) {
    std::fill(real_, real_ + grid_h_ * grid_w_, 0.0);
    for (std::size_t u = 0; u < k; ++u)
      for (std::size_t v = 0; v < k; ++v)
        real_[wrap(long(p) - long(u), grid_h_) * grid_w_ + wrap(long(p) - long(v), grid_w_)] =
            K[(pair * k + u) * k + v];
    fftw_execute(as_plan(plan_forward_));
    const fftw_complex* z = as_complex(spectrum_);
    for (std::size_t f = 0; f < freqs_; ++f) {
      kernel_re_[pair * freqs_ + f] = z[f][0];
      kernel_im_[pair * freqs_ + f] = z[f][1];
    }
  }
}

void FftConvolution::reserve(Spectra& keep, std::size_t batch, std::size_t channels) const {
  keep.batch = batch;
  keep.channels = channels;
  keep.re.resize(batch * channels * freqs_);
  keep.im.resize(batch * channels * freqs_);
}

void FftConvolution::forward(const double* K, const double* x, std::size_t x_stride, double* y,
                             std::size_t y_stride, std::size_t batch, double beta, Spectra* keep) {
  check_stride("input", x_stride, shape_.in_size(), batch);
  check_stride("output", y_stride, shape_.out_size(), batch);
  use_kernel(K);
  const std::size_t Ci = shape_.in_channels, Co = shape_.out_channels,
                    hw = shape_.in_height * shape_.in_width;
  if (keep) reserve(*keep, batch, Ci);
  for (std::size_t b = 0; b < batch; ++b) {
    double* in_re = keep ? keep->re.data() + b * Ci * freqs_ : in_re_.data();
    double* in_im = keep ? keep->im.data() + b * Ci * freqs_ : in_im_.data();
    transform_image(x + b * x_stride, Ci, in_re, in_im);
    for (std::size_t o = 0; o < Co; ++o) {
      double *sr = sum_re_.data(), *si = sum_im_.data();
      std::fill_n(sr, freqs_, 0.0);
      std::fill_n(si, freqs_, 0.0);
      for (std::size_t c = 0; c < Ci; ++c) {  // Y_o += K_oc X_c
        const double *kr = &kernel_re_[(o * Ci + c) * freqs_], *ki = &kernel_im_[(o * Ci + c) * freqs_];
        const double *xr = in_re + c * freqs_, *xi = in_im + c * freqs_;
        for (std::size_t f = 0; f < freqs_; ++f) {
          sr[f] += kr[f] * xr[f] - ki[f] * xi[f];
          si[f] += kr[f] * xi[f] + ki[f] * xr[f];
        }
      }
      inverse_into(sr, si, y + b * y_stride + o * hw, beta);
    }
  }
}

void FftConvolution::transpose(const double* K, const double* y, std::size_t y_stride, double* x,
                               std::size_t x_stride, std::size_t batch, double beta, Spectra* keep) {
  check_stride("output", y_stride, shape_.out_size(), batch);
  check_stride("input", x_stride, shape_.in_size(), batch);
  use_kernel(K);
  const std::size_t Ci = shape_.in_channels, Co = shape_.out_channels,
                    hw = shape_.in_height * shape_.in_width;
  if (keep) reserve(*keep, batch, Co);
  for (std::size_t b = 0; b < batch; ++b) {
    double* out_re = keep ? keep->re.data() + b * Co * freqs_ : out_re_.data();
    double* out_im = keep ? keep->im.data() + b * Co * freqs_ : out_im_.data();
    transform_image(y + b * y_stride, Co, out_re, out_im);
    for (std::size_t c = 0; c < Ci; ++c) {
      double *sr = sum_re_.data(), *si = sum_im_.data();
      std::fill_n(sr, freqs_, 0.0);
      std::fill_n(si, freqs_, 0.0);
      for (std::size_t o = 0; o < Co; ++o) {  // X_c += conj(K_oc) Y_o: the adjoint
        const double *kr = &kernel_re_[(o * Ci + c) * freqs_], *ki = &kernel_im_[(o * Ci + c) * freqs_];
        const double *yr = out_re + o * freqs_, *yi = out_im + o * freqs_;
        for (std::size_t f = 0; f < freqs_; ++f) {
          sr[f] += kr[f] * yr[f] + ki[f] * yi[f];
          si[f] += kr[f] * yi[f] - ki[f] * yr[f];
        }
      }
      inverse_into(sr, si, x + b * x_stride + c * hw, beta);
    }
  }
}

// dK[o][c][u][v] = sum_i w_o[i] x_c[i + (u - p, v - p)]: the cross-correlation of w_o and x_c at
// the tap's offset, whose spectrum is conj(W_o) X_c; summed over the images before transforming back.
void FftConvolution::add_cross_spectra(const double* xr, const double* xi, const double* wr,
                                       const double* wi) {
  const std::size_t Ci = shape_.in_channels, Co = shape_.out_channels;
  for (std::size_t o = 0; o < Co; ++o)
    for (std::size_t c = 0; c < Ci; ++c) {
      double *sr = &cross_re_[(o * Ci + c) * freqs_], *si = &cross_im_[(o * Ci + c) * freqs_];
      const double *ar = wr + o * freqs_, *ai = wi + o * freqs_, *br = xr + c * freqs_, *bi = xi + c * freqs_;
      for (std::size_t f = 0; f < freqs_; ++f) {
        sr[f] += ar[f] * br[f] + ai[f] * bi[f];
        si[f] += ar[f] * bi[f] - ai[f] * br[f];
      }
    }
}

void FftConvolution::cross_into_kernel(double* dK) {
  const std::size_t k = shape_.kernel_height, p = shape_.padding;
  const double scale = 1.0 / static_cast<double>(grid_h_ * grid_w_);
  fftw_complex* z = as_complex(spectrum_);
  for (std::size_t pair = 0; pair < shape_.out_channels * shape_.in_channels; ++pair) {
    for (std::size_t f = 0; f < freqs_; ++f) {
      z[f][0] = cross_re_[pair * freqs_ + f];
      z[f][1] = cross_im_[pair * freqs_ + f];
    }
    fftw_execute(as_plan(plan_inverse_));
    for (std::size_t u = 0; u < k; ++u)
      for (std::size_t v = 0; v < k; ++v)
        dK[(pair * k + u) * k + v] +=
            scale * real_[wrap(long(u) - long(p), grid_h_) * grid_w_ + wrap(long(v) - long(p), grid_w_)];
  }
}

void FftConvolution::kernel_gradient(const double* x, std::size_t x_stride, const double* w,
                                     std::size_t w_stride, std::size_t batch, double* dK) {
  check_stride("input", x_stride, shape_.in_size(), batch);
  check_stride("output", w_stride, shape_.out_size(), batch);
  if (batch == 0) return;
  std::fill(cross_re_.begin(), cross_re_.end(), 0.0);
  std::fill(cross_im_.begin(), cross_im_.end(), 0.0);
  for (std::size_t b = 0; b < batch; ++b) {
    transform_image(x + b * x_stride, shape_.in_channels, in_re_.data(), in_im_.data());
    transform_image(w + b * w_stride, shape_.out_channels, out_re_.data(), out_im_.data());
    add_cross_spectra(in_re_.data(), in_im_.data(), out_re_.data(), out_im_.data());
  }
  cross_into_kernel(dK);
}

void FftConvolution::kernel_gradient(const std::vector<Term>& terms, double* dK) {
  const std::size_t Ci = shape_.in_channels, Co = shape_.out_channels;
  for (const Term& t : terms)
    if (t.x.channels != Ci || t.w.channels != Co || t.x.batch != t.w.batch ||
        t.x.size != t.x.batch * Ci * freqs_ || t.w.size != t.w.batch * Co * freqs_)
      throw std::invalid_argument("FFT convolution: kept spectra that do not fit this convolution");
  std::fill(cross_re_.begin(), cross_re_.end(), 0.0);
  std::fill(cross_im_.begin(), cross_im_.end(), 0.0);
  for (const Term& t : terms)
    for (std::size_t b = 0; b < t.x.batch; ++b)
      add_cross_spectra(t.x.re + b * Ci * freqs_, t.x.im + b * Ci * freqs_, t.w.re + b * Co * freqs_,
                        t.w.im + b * Co * freqs_);
  cross_into_kernel(dK);
}

}  // namespace neurode::models::kernels
