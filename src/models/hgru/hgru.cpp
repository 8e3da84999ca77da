#include "models/hgru/hgru.hpp"

#include <algorithm>
#include <stdexcept>

#include "models/kernels/elementwise.hpp"

namespace neurode::models {
namespace {

// The arrays of a recorded linearisation before its spectra: G1, C1, H1, G2, C2, H2~.
constexpr std::size_t kRecordedArrays = 6;

// Indices of the parameter arrays (hgru_parameter_arrays order).
enum Array : std::size_t {
  kW,
  kU1,
  kU2,
  kB1,
  kB2,
  kAlpha,
  kMu,
  kGamma,
  kKappa,
  kOmega,
  kTau,
  kFront,
  kFrontBias,
  kArrays
};

// f(begin, end, c) for each image plane [begin, end) of the batch x C x hw arrays and its channel c:
// the channel without a division per element, and inner loops the compiler can vectorise.
template <class F>
void for_each_plane(std::size_t size, std::size_t hw, std::size_t channels, F&& f) {
  std::size_t c = 0;
  for (std::size_t begin = 0; begin < size; begin += hw) {
    f(begin, begin + hw, c);
    if (++c == channels) c = 0;
  }
}

kernels::ConvolutionShape horizontal_shape(const HgruSpec& s) {
  if (s.kernel % 2 == 0)
    throw std::invalid_argument("hGRU: the horizontal kernel must be odd (\"same\" padding), got " +
                                std::to_string(s.kernel));
  if (s.channels == 0 || s.height == 0 || s.width == 0)
    throw std::invalid_argument("hGRU: channels, height and width must be positive");
  return {s.channels, s.height, s.width, s.channels, s.kernel, s.kernel, 1, (s.kernel - 1) / 2};
}

kernels::ConvolutionShape pointwise_shape(const HgruSpec& s) {
  return {s.channels, s.height, s.width, s.channels, 1, 1, 1, 0};
}

kernels::ConvolutionShape front_shape(const HgruSpec& s) {
  if (s.front_kernel % 2 == 0)
    throw std::invalid_argument("hGRU: the front-end kernel must be odd (\"same\" padding), got " +
                                std::to_string(s.front_kernel));
  if (s.input_channels == 0) throw std::invalid_argument("hGRU: the images must have a channel");
  return {s.input_channels, s.height,       s.width, s.channels,
          s.front_kernel,   s.front_kernel, 1,       (s.front_kernel - 1) / 2};
}

}  // namespace

Zeta parse_zeta(const std::string& name) {
  if (name == "tanh") return Zeta::tanh;
  if (name == "relu") return Zeta::relu;
  throw std::invalid_argument("unknown zeta '" + name + "' (expected tanh or relu)");
}

const char* to_string(Zeta zeta) { return zeta == Zeta::tanh ? "tanh" : "relu"; }

std::vector<HgruParameterArray> hgru_parameter_arrays(const HgruSpec& spec) {
  const std::size_t C = spec.channels, k = spec.kernel;
  std::vector<HgruParameterArray> arrays = {
      {spec.symmetric ? "V" : "W", {C, C, k, k}},
      {"U1", {C, C, 1, 1}},
      {"U2", {C, C, 1, 1}},
      {"b1", {C}},
      {"b2", {C}},
      {"alpha", {C}},
      {"mu", {C}},
      {"gamma", {C}},
      {"kappa", {C}},
      {"omega", {C}},
      {"tau", {}},
  };
  if (spec.front_kernel > 0) {
    arrays.push_back({"F", {C, spec.input_channels, spec.front_kernel, spec.front_kernel}});
    arrays.push_back({"f", {C}});
  }
  std::size_t offset = 0;
  for (auto& a : arrays) {
    a.count = 1;
    for (std::size_t d : a.shape) a.count *= d;
    a.offset = offset;
    offset += a.count;
  }
  return arrays;
}

std::size_t hgru_parameter_count(const HgruSpec& spec) {
  const auto arrays = hgru_parameter_arrays(spec);
  return arrays.back().offset + arrays.back().count;
}

std::vector<double> symmetrised_kernel(const double* V, std::size_t C, std::size_t k) {
  std::vector<double> W(C * C * k * k);
  const std::size_t kk = k * k;
  for (std::size_t i = 0; i < C; ++i)
    for (std::size_t j = 0; j < C; ++j)
      for (std::size_t s = 0; s < kk; ++s)
        W[(i * C + j) * kk + s] = 0.5 * (V[(i * C + j) * kk + s] + V[(j * C + i) * kk + s]);
  return W;
}

Hgru::Hgru(const HgruSpec& spec, std::vector<double> input)
    : spec_(spec), horizontal_(horizontal_shape(spec)), pointwise_(pointwise_shape(spec)) {
  n_ = spec_.size();
  hw_ = spec_.height * spec_.width;
  const std::size_t m = spec_.input_size();
  if (input.empty() || input.size() % m != 0)
    throw std::invalid_argument(
        "hGRU: expected a batch of " + std::string(spec_.front_kernel ? "images" : "drives") + " of " +
        std::to_string(m) + " values each, got " + std::to_string(input.size()) + " values");
  batch_ = input.size() / m;
  if (spec_.front_kernel) {
    front_ = std::make_unique<kernels::Convolution>(front_shape(spec_));
    images_ = std::move(input);
    drive_.assign(batch_ * n_, 0.0);
  } else {
    drive_ = std::move(input);
  }
  for (const auto& a : hgru_parameter_arrays(spec_)) offsets_.push_back(a.offset);
  parameters_.assign(hgru_parameter_count(spec_), 0.0);
  parameters_[offsets_[kTau]] = 1.0;
  kernel_.assign(spec_.channels * spec_.channels * spec_.kernel * spec_.kernel, 0.0);
  kernel_gradient_.assign(kernel_.size(), 0.0);
  for (auto* work : {&g1_, &p_, &c1_, &h1_, &g2_, &c2_, &h2t_, &r1_, &r2_, &r3_, &r4_})
    work->assign(batch_ * n_, 0.0);
  pair_w_.assign(2 * batch_ * n_, 0.0);
}

StateLayout Hgru::state_layout() const {
  return {{{"H2", {spec_.channels, spec_.height, spec_.width}, "", "column", "[channel, row, column]"}}};
}

void Hgru::set_parameters(const std::vector<double>& values) {
  if (values.size() != parameters_.size())
    throw std::invalid_argument("hGRU: expected " + std::to_string(parameters_.size()) + " parameters, got " +
                                std::to_string(values.size()));
  parameters_ = values;
  if (spec_.symmetric)
    kernel_ = symmetrised_kernel(parameters_.data(), spec_.channels, spec_.kernel);
  else
    std::copy_n(parameters_.begin(), kernel_.size(), kernel_.begin());
  if (front_) {
    // X = F * image + f, once per parameter set: it is fixed during the dynamics.
    front_->forward(channel(kFront), images_.data(), spec_.input_size(), drive_.data(), n_, batch_, 0.0);
    const double* f = channel(kFrontBias);
    for (std::size_t i = 0; i < batch_ * n_; ++i) drive_[i] += f[(i / hw_) % spec_.channels];
  }
}

double Hgru::tau() const { return parameters_[offsets_[kTau]]; }

void Hgru::zeta_in_place(double* z, std::size_t n) const {
  if (spec_.zeta == Zeta::tanh) return kernels::tanh_in_place(z, n);
  for (std::size_t i = 0; i < n; ++i) z[i] = z[i] > 0 ? z[i] : 0.0;
}

// tanh' = 1 - tanh^2 and relu' = [relu > 0]: the same numbers as from z (tanh(z) is what the
// forward pass stored), without evaluating tanh again in every tangent and reverse pass.
double Hgru::zeta_slope(double h) const {
  if (spec_.zeta == Zeta::relu) return h > 0 ? 1.0 : 0.0;
  return 1.0 - h * h;
}

void Hgru::forward(const double* y) {
  const std::size_t N = batch_ * n_, hw = hw_, C = spec_.channels;
  const double *b1 = channel(kB1), *b2 = channel(kB2), *alpha = channel(kAlpha), *mu = channel(kMu),
               *gamma = channel(kGamma), *kappa = channel(kKappa), *omega = channel(kOmega);
  // Each gate and nonlinearity over the whole batch at once (kernels/elementwise: vectorised).
  pointwise_.forward(channel(kU1), y, n_, g1_.data(), n_, batch_, 0.0);
  for_each_plane(N, hw, C, [&](std::size_t begin, std::size_t end, std::size_t c) {
    for (std::size_t i = begin; i < end; ++i) g1_[i] += b1[c];
  });
  kernels::sigmoid_in_place(g1_.data(), N);
  for (std::size_t i = 0; i < N; ++i) p_[i] = g1_[i] * y[i];
  horizontal_.forward(kernel_.data(), p_.data(), n_, c1_.data(), n_, batch_, 0.0, &p_spectra_);
  for_each_plane(N, hw, C, [&](std::size_t begin, std::size_t end, std::size_t c) {
    for (std::size_t i = begin; i < end; ++i) h1_[i] = drive_[i] - (alpha[c] * y[i] + mu[c]) * c1_[i];
  });
  zeta_in_place(h1_.data(), N);
  pointwise_.forward(channel(kU2), h1_.data(), n_, g2_.data(), n_, batch_, 0.0);
  horizontal_.forward(kernel_.data(), h1_.data(), n_, c2_.data(), n_, batch_, 0.0, &h1_spectra_);
  for_each_plane(N, hw, C, [&](std::size_t begin, std::size_t end, std::size_t c) {
    for (std::size_t i = begin; i < end; ++i) {
      g2_[i] += b2[c];
      const double gc2 = gamma[c] * c2_[i];
      h2t_[i] = kappa[c] * (h1_[i] + gc2) + omega[c] * h1_[i] * gc2;
    }
  });
  kernels::sigmoid_in_place(g2_.data(), N);
  zeta_in_place(h2t_.data(), N);
}

void Hgru::rhs(double, std::size_t, const double* y, double* dydt) {
  forward(y);
  rhs_from(work_intermediates(), y, dydt);
}

void Hgru::rhs_from(const Intermediates& s, const double* y, double* dydt) const {
  const double inv_tau = 1.0 / tau();
  for (std::size_t i = 0; i < batch_ * n_; ++i) dydt[i] = (1.0 - s.g2[i]) * (s.h2t[i] - y[i]) * inv_tau;
}

Hgru::Intermediates Hgru::work_intermediates() const {
  return {g1_.data(), c1_.data(),  h1_.data(),        g2_.data(),
          c2_.data(), h2t_.data(), p_spectra_.view(), h1_spectra_.view()};
}

Hgru::Intermediates Hgru::recorded_intermediates(const double* linearisation) const {
  const std::size_t N = batch_ * n_;
  const std::size_t C = spec_.channels, S = batch_ * C * horizontal_.frequencies();
  const double* a = linearisation;
  const double* spectra = a + kRecordedArrays * N;  // P's re, im, then H1's
  return {a,
          a + N,
          a + 2 * N,
          a + 3 * N,
          a + 4 * N,
          a + 5 * N,
          {batch_, C, S, spectra, spectra + S},
          {batch_, C, S, spectra + 2 * S, spectra + 3 * S}};
}

std::size_t Hgru::linearisation_size() const {
  // The spectra of P and H1, real and imaginary parts: 4 x B C F.
  return kRecordedArrays * batch_ * n_ + 4 * batch_ * spec_.channels * horizontal_.frequencies();
}

void Hgru::rhs_recording(double t, std::size_t segment, const double* y, double* dydt,
                         double* linearisation) {
  rhs(t, segment, y, dydt);
  const std::size_t N = batch_ * n_;
  double* out = linearisation;
  for (const auto* array : {&g1_, &c1_, &h1_, &g2_, &c2_, &h2t_}) out = std::copy_n(array->data(), N, out);
  for (const auto* spectra : {&p_spectra_, &h1_spectra_}) {
    out = std::copy(spectra->re.begin(), spectra->re.end(), out);
    out = std::copy(spectra->im.begin(), spectra->im.end(), out);
  }
}

void Hgru::rhs_from_linearisation(double, std::size_t, const double* y, const double* linearisation,
                                  double* dydt) {
  rhs_from(recorded_intermediates(linearisation), y, dydt);
}

void Hgru::vector_jacobian_products_from_linearisation(double, std::size_t, const double* y,
                                                       const double* linearisation, const double* w,
                                                       double* out, double* grad) {
  reverse(recorded_intermediates(linearisation), y, w, out, grad);
}

std::vector<double> Hgru::h1(const double* y) {
  forward(y);
  return h1_;
}

void Hgru::jacobian_vector(double, std::size_t, const double* y, const double* v, double* out) {
  forward(y);
  const std::size_t N = batch_ * n_, hw = hw_, C = spec_.channels;
  const double *alpha = channel(kAlpha), *mu = channel(kMu), *gamma = channel(kGamma),
               *kappa = channel(kKappa), *omega = channel(kOmega);
  const double inv_tau = 1.0 / tau();
  // dP = G1 (1 - G1) (U1 * v) . H2 + G1 . v
  pointwise_.forward(channel(kU1), v, n_, r1_.data(), n_, batch_, 0.0);
  for (std::size_t i = 0; i < N; ++i) r1_[i] = g1_[i] * (1.0 - g1_[i]) * r1_[i] * y[i] + g1_[i] * v[i];
  horizontal_.forward(kernel_.data(), r1_.data(), n_, r2_.data(), n_, batch_, 0.0);  // dC1
  for_each_plane(N, hw, C, [&](std::size_t begin, std::size_t end, std::size_t c) {  // dH1
    for (std::size_t i = begin; i < end; ++i)
      r3_[i] = zeta_slope(h1_[i]) * (-alpha[c] * v[i] * c1_[i] - (alpha[c] * y[i] + mu[c]) * r2_[i]);
  });
  pointwise_.forward(channel(kU2), r3_.data(), n_, r1_.data(), n_, batch_, 0.0);     // da2
  horizontal_.forward(kernel_.data(), r3_.data(), n_, r2_.data(), n_, batch_, 0.0);  // dC2
  for_each_plane(N, hw, C, [&](std::size_t begin, std::size_t end, std::size_t c) {
    for (std::size_t i = begin; i < end; ++i) {
      const double dg2 = g2_[i] * (1.0 - g2_[i]) * r1_[i];
      const double dz2 =
          kappa[c] * (r3_[i] + gamma[c] * r2_[i]) + omega[c] * gamma[c] * (r3_[i] * c2_[i] + h1_[i] * r2_[i]);
      const double dh2t = zeta_slope(h2t_[i]) * dz2;
      out[i] = (-dg2 * (h2t_[i] - y[i]) + (1.0 - g2_[i]) * (dh2t - v[i])) * inv_tau;
    }
  });
}

void Hgru::jacobian_transpose_vector(double, std::size_t, const double* y, const double* w, double* out) {
  forward(y);
  reverse(work_intermediates(), y, w, out, nullptr);
}

void Hgru::parameter_transpose_vector(double, std::size_t, const double* y, const double* w, double* grad) {
  forward(y);
  reverse(work_intermediates(), y, w, nullptr, grad);
}

void Hgru::vector_jacobian_products(double, std::size_t, const double* y, const double* w, double* out,
                                    double* grad) {
  forward(y);
  reverse(work_intermediates(), y, w, out, grad);
}

// With F = (1 - G2)(H2~ - H2)/tau and the cotangent w, backwards through the forward pass:
//   z2b = zeta'(z2) (1 - G2) w / tau,  a2b = -G2 (1 - G2) (H2~ - H2) w / tau,
//   C2b = z2b gamma (kappa + omega H1),  H1b = z2b (kappa + omega gamma C2) + W^T C2b + U2^T a2b,
//   z1b = zeta'(z1) H1b,  C1b = -(alpha H2 + mu) z1b,  Pb = W^T C1b,  a1b = G1 (1 - G1) H2 Pb,
//   (dF/dy)^T w = -(1 - G2) w / tau - alpha C1 z1b + G1 Pb + U1^T a1b,
// and the parameters' shares of each (the kernels' through the convolutions' kernel gradients).
void Hgru::reverse(const Intermediates& fw, const double* y, const double* w, double* out, double* grad) {
  const std::size_t N = batch_ * n_, hw = hw_, C = spec_.channels;
  const double *alpha = channel(kAlpha), *mu = channel(kMu), *gamma = channel(kGamma),
               *kappa = channel(kKappa), *omega = channel(kOmega);
  const double inv_tau = 1.0 / tau();
  double* z2b = r1_.data();
  double* a2b = r2_.data();
  double* h1b = r4_.data();
  double* c1b = pair_w_.data();
  double* c2b = pair_w_.data() + N;
  std::vector<double> sums(kArrays * C, 0.0);  // per-channel sums, [array * C + c]
  double dtau = 0.0;
  for_each_plane(N, hw, C, [&](std::size_t begin, std::size_t end, std::size_t c) {
    for (std::size_t i = begin; i < end; ++i) {
      const double e = fw.h2t[i] - y[i], g = 1.0 - fw.g2[i];
      z2b[i] = zeta_slope(fw.h2t[i]) * g * w[i] * inv_tau;
      a2b[i] = -fw.g2[i] * g * e * w[i] * inv_tau;
      c2b[i] = z2b[i] * gamma[c] * (kappa[c] + omega[c] * fw.h1[i]);
      h1b[i] = z2b[i] * (kappa[c] + omega[c] * gamma[c] * fw.c2[i]);
    }
    if (!grad) return;
    for (std::size_t i = begin; i < end; ++i) {
      const double e = fw.h2t[i] - y[i], g = 1.0 - fw.g2[i];
      sums[kKappa * C + c] += z2b[i] * (fw.h1[i] + gamma[c] * fw.c2[i]);
      sums[kGamma * C + c] += z2b[i] * (kappa[c] * fw.c2[i] + omega[c] * fw.h1[i] * fw.c2[i]);
      sums[kOmega * C + c] += z2b[i] * fw.h1[i] * gamma[c] * fw.c2[i];
      sums[kB2 * C + c] += a2b[i];
      dtau -= w[i] * g * e * inv_tau * inv_tau;
    }
  });
  horizontal_.transpose(kernel_.data(), c2b, n_, h1b, n_, batch_, 1.0, &c2b_spectra_);
  pointwise_.transpose(channel(kU2), a2b, n_, h1b, n_, batch_, 1.0);
  if (grad) pointwise_.kernel_gradient(fw.h1, n_, a2b, n_, batch_, grad + offsets_[kU2]);
  double* z1b = h1b;
  for_each_plane(N, hw, C, [&](std::size_t begin, std::size_t end, std::size_t c) {
    for (std::size_t i = begin; i < end; ++i) {
      z1b[i] *= zeta_slope(fw.h1[i]);
      c1b[i] = -(alpha[c] * y[i] + mu[c]) * z1b[i];
    }
    if (!grad) return;
    for (std::size_t i = begin; i < end; ++i) {
      sums[kAlpha * C + c] -= y[i] * fw.c1[i] * z1b[i];
      sums[kMu * C + c] -= fw.c1[i] * z1b[i];
    }
  });
  double* pb = r3_.data();
  horizontal_.transpose(kernel_.data(), c1b, n_, pb, n_, batch_, 0.0, &c1b_spectra_);
  double* a1b = r1_.data();  // z2b is no longer needed
  for_each_plane(N, hw, C, [&](std::size_t begin, std::size_t end, std::size_t c) {
    for (std::size_t i = begin; i < end; ++i) a1b[i] = fw.g1[i] * (1.0 - fw.g1[i]) * y[i] * pb[i];
    if (grad)
      for (std::size_t i = begin; i < end; ++i) sums[kB1 * C + c] += a1b[i];
  });
  if (out) {
    for_each_plane(N, hw, C, [&](std::size_t begin, std::size_t end, std::size_t c) {
      for (std::size_t i = begin; i < end; ++i)
        out[i] = -(1.0 - fw.g2[i]) * w[i] * inv_tau - alpha[c] * fw.c1[i] * z1b[i] + fw.g1[i] * pb[i];
    });
    pointwise_.transpose(channel(kU1), a1b, n_, out, n_, batch_, 1.0);
  }
  if (!grad) return;
  pointwise_.kernel_gradient(y, n_, a1b, n_, batch_, grad + offsets_[kU1]);
  // W's two terms, <C1b, W * P> and <C2b, W * H1>, from the spectra the products above kept.
  const std::vector<kernels::FftConvolution::Term> terms = {{fw.p_spectra, c1b_spectra_.view()},
                                                            {fw.h1_spectra, c2b_spectra_.view()}};
  if (!spec_.symmetric) {
    horizontal_.kernel_gradient(terms, grad + offsets_[kW]);
  } else {
    std::fill(kernel_gradient_.begin(), kernel_gradient_.end(), 0.0);
    horizontal_.kernel_gradient(terms, kernel_gradient_.data());
    const std::size_t kk = spec_.kernel * spec_.kernel;
    for (std::size_t i = 0; i < C; ++i)
      for (std::size_t j = 0; j < C; ++j)
        for (std::size_t s = 0; s < kk; ++s)
          grad[offsets_[kW] + (i * C + j) * kk + s] +=
              0.5 * (kernel_gradient_[(i * C + j) * kk + s] + kernel_gradient_[(j * C + i) * kk + s]);
  }
  for (std::size_t a = kB1; a < kTau; ++a)
    for (std::size_t c = 0; c < C; ++c) grad[offsets_[a] + c] += sums[a * C + c];
  grad[offsets_[kTau]] += dtau;
  if (!front_) return;
  // dz1/dX = 1: z1b is the cotangent of X, which reaches F and f through X = F * image + f.
  front_->kernel_gradient(images_.data(), spec_.input_size(), z1b, n_, batch_, grad + offsets_[kFront]);
  double* fb = grad + offsets_[kFrontBias];
  for_each_plane(N, hw, C, [&](std::size_t begin, std::size_t end, std::size_t c) {
    for (std::size_t i = begin; i < end; ++i) fb[c] += z1b[i];
  });
}

}  // namespace neurode::models
