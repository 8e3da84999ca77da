#include "models/predictive_coding/predictive_coding.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace neurode::models {

PredictiveCoding::PredictiveCoding(const PredictiveCodingSpec& spec, std::vector<double> images)
    : spec_(spec), shapes_(level_shapes(spec)), images_(std::move(images)) {
  const std::size_t L = spec_.levels.size();
  const std::size_t n0 = shapes_[0].size();
  if (images_.empty() || images_.size() % n0 != 0)
    throw std::invalid_argument("predictive coding: expected a batch of images of " + std::to_string(n0) +
                                " values each, got " + std::to_string(images_.size()) + " values");
  batch_ = images_.size() / n0;
  offsets_.assign(L + 1, 0);
  weight_offsets_.assign(L + 1, 0);
  for (std::size_t l = 1; l <= L; ++l) {
    offsets_[l] = trial_size_;
    trial_size_ += shapes_[l].size();
    weight_offsets_[l] = weight_total_;
    weight_total_ += weight_count(spec_, shapes_, l);
    const LevelSpec& level = spec_.levels[l - 1];
    if (level.kind == LevelSpec::Kind::dense) {
      maps_.push_back(make_dense_map(shapes_[l - 1].size(), shapes_[l].size()));
    } else {
      const LevelShape& lower = shapes_[l - 1];
      maps_.push_back(make_convolution_map({lower.channels, lower.height, lower.width, shapes_[l].channels,
                                            level.kernel, level.kernel, level.stride, level.padding}));
    }
  }
  parameters_.assign(weight_total_, 0.0);
  if (spec_.trainable_rates) parameters_.insert(parameters_.end(), {spec_.k1, spec_.k2, spec_.alpha});
  predictions_.resize(L + 1);
  errors_.resize(L + 1);
  adjoint_predictions_.resize(L + 1);
  scratch_.resize(L + 1);
  upper_pairs_.resize(L + 1);
  for (std::size_t l = 1; l <= L; ++l) {
    for (auto* work : {&predictions_, &errors_, &adjoint_predictions_})
      (*work)[l].assign(batch_ * shapes_[l - 1].size(), 0.0);
    scratch_[l].assign(2 * batch_ * shapes_[l - 1].size(), 0.0);
    upper_pairs_[l].assign(2 * batch_ * shapes_[l].size(), 0.0);
  }
  prediction_.assign(L + 1, nullptr);
  for (std::size_t l = 1; l <= L; ++l) linearisation_size_ += batch_ * shapes_[l - 1].size();
}

StateLayout predictive_coding_layout(const std::vector<LevelShape>& shapes) {
  StateLayout layout;
  for (std::size_t l = 1; l < shapes.size(); ++l) {
    const LevelShape& s = shapes[l];
    // Appended rather than "r" + to_string: GCC 12 warns wrongly (-Wrestrict) about the latter.
    std::string name = "r";
    name += std::to_string(l);
    if (s.spatial)
      layout.components.push_back(
          {name, {s.channels, s.height, s.width}, "", "column", "[channel, row, column]"});
    else
      layout.components.push_back({name, {s.channels}, "", "unit", "unit index"});
  }
  return layout;
}

StateLayout PredictiveCoding::state_layout() const { return predictive_coding_layout(shapes_); }

void PredictiveCoding::set_parameters(const std::vector<double>& values) {
  if (values.size() != parameters_.size())
    throw std::invalid_argument("predictive coding: expected " + std::to_string(parameters_.size()) +
                                " parameters, got " + std::to_string(values.size()));
  parameters_ = values;
}

double PredictiveCoding::k1() const { return spec_.trainable_rates ? parameters_[weight_total_] : spec_.k1; }
double PredictiveCoding::k2() const {
  return spec_.trainable_rates ? parameters_[weight_total_ + 1] : spec_.k2;
}
double PredictiveCoding::alpha() const {
  return spec_.trainable_rates ? parameters_[weight_total_ + 2] : spec_.alpha;
}

const double* PredictiveCoding::lower_of(const double* y, std::size_t l, std::size_t& stride) const {
  if (l == 1) {
    stride = shapes_[0].size();
    return images_.data();
  }
  stride = trial_size_;
  return y + offsets_[l - 1];
}

void PredictiveCoding::predict_all(const double* y) {
  for (std::size_t l = 1; l < shapes_.size(); ++l) {
    maps_[l - 1]->predict(weights(l), y + offsets_[l], trial_size_, predictions_[l].data(),
                          shapes_[l - 1].size(), batch_, 0.0);
    prediction_[l] = predictions_[l].data();
  }
}

void PredictiveCoding::use_recorded_predictions(const double* linearisation) {
  for (std::size_t l = 1; l < shapes_.size(); ++l) {
    prediction_[l] = linearisation;
    linearisation += batch_ * shapes_[l - 1].size();
  }
}

namespace {

double prior_value(Prior prior, double r) { return prior == Prior::gaussian ? r : 2.0 * r / (1.0 + r * r); }
double prior_slope(Prior prior, double r) {
  if (prior == Prior::gaussian) return 1.0;
  const double q = 1.0 + r * r;
  return 2.0 * (1.0 - r * r) / (q * q);
}

}  // namespace

void PredictiveCoding::rhs(double, std::size_t, const double* y, double* dydt) {
  predict_all(y);
  rhs_from_predictions(y, dydt);
}

void PredictiveCoding::rhs_recording(double, std::size_t, const double* y, double* dydt,
                                     double* linearisation) {
  predict_all(y);
  rhs_from_predictions(y, dydt);
  for (std::size_t l = 1; l < shapes_.size(); ++l)
    linearisation = std::copy(predictions_[l].begin(), predictions_[l].end(), linearisation);
}

void PredictiveCoding::rhs_from_linearisation(double, std::size_t, const double* y,
                                              const double* linearisation, double* dydt) {
  use_recorded_predictions(linearisation);
  rhs_from_predictions(y, dydt);
}

void PredictiveCoding::vector_jacobian_products_from_linearisation(double, std::size_t, const double* y,
                                                                   const double* linearisation,
                                                                   const double* w, double* out,
                                                                   double* grad) {
  use_recorded_predictions(linearisation);
  reverse(y, w, out, grad, true);
}

void PredictiveCoding::rhs_from_predictions(const double* y, double* dydt) {
  const std::size_t L = spec_.levels.size();
  const double a = k1(), b = k2(), c = alpha();
  for (std::size_t l = 1; l <= L; ++l) {
    std::size_t stride = 0;
    const double* lower = lower_of(y, l, stride);
    const std::size_t n = shapes_[l - 1].size();
    double* e = errors_[l].data();
    for (std::size_t t = 0; t < batch_; ++t)
      for (std::size_t i = 0; i < n; ++i) e[t * n + i] = lower[t * stride + i] - prediction_[l][t * n + i];
    maps_[l - 1]->project(weights(l), e, n, dydt + offsets_[l], trial_size_, batch_, 0.0);
  }
  for (std::size_t t = 0; t < batch_; ++t)
    for (std::size_t l = 1; l <= L; ++l) {
      const std::size_t n = shapes_[l].size();
      const double* r = y + t * trial_size_ + offsets_[l];
      double* f = dydt + t * trial_size_ + offsets_[l];
      const double* top_down = l < L ? prediction_[l + 1] + t * n : nullptr;
      for (std::size_t i = 0; i < n; ++i) {
        double v = a * f[i] - c * prior_value(spec_.prior, r[i]);
        if (top_down) v += b * (top_down[i] - r[i]);
        f[i] = v;
      }
    }
}

void PredictiveCoding::jacobian_vector(double, std::size_t, const double* y, const double* v, double* out) {
  // F is affine in the states apart from the prior: the same maps on v, without the image.
  const std::size_t L = spec_.levels.size();
  const double a = k1(), b = k2(), c = alpha();
  for (std::size_t l = 1; l <= L; ++l)
    maps_[l - 1]->predict(weights(l), v + offsets_[l], trial_size_, adjoint_predictions_[l].data(),
                          shapes_[l - 1].size(), batch_, 0.0);
  for (std::size_t l = 1; l <= L; ++l) {
    const std::size_t n = shapes_[l - 1].size();
    double* e = scratch_[l].data();
    const double* p = adjoint_predictions_[l].data();
    for (std::size_t t = 0; t < batch_; ++t) {
      const double* lower = l == 1 ? nullptr : v + t * trial_size_ + offsets_[l - 1];
      for (std::size_t i = 0; i < n; ++i) e[t * n + i] = (lower ? lower[i] : 0.0) - p[t * n + i];
    }
    maps_[l - 1]->project(weights(l), e, n, out + offsets_[l], trial_size_, batch_, 0.0);
  }
  for (std::size_t t = 0; t < batch_; ++t)
    for (std::size_t l = 1; l <= L; ++l) {
      const std::size_t n = shapes_[l].size();
      const std::size_t at = t * trial_size_ + offsets_[l];
      const double* top_down = l < L ? adjoint_predictions_[l + 1].data() + t * n : nullptr;
      for (std::size_t i = 0; i < n; ++i) {
        double d = a * out[at + i] - c * prior_slope(spec_.prior, y[at + i]) * v[at + i];
        if (top_down) d += b * (top_down[i] - v[at + i]);
        out[at + i] = d;
      }
    }
}

void PredictiveCoding::jacobian_transpose_vector(double, std::size_t, const double* y, const double* w,
                                                 double* out) {
  reverse(y, w, out, nullptr);
}

void PredictiveCoding::parameter_transpose_vector(double, std::size_t, const double* y, const double* w,
                                                  double* grad) {
  reverse(y, w, nullptr, grad);
}

void PredictiveCoding::vector_jacobian_products(double, std::size_t, const double* y, const double* w,
                                                double* out, double* grad) {
  reverse(y, w, out, grad);
}

// With a_l = G_l(w_l) and D_l = k2 w_{l-1} - k1 a_l (no w_0: the image is fixed):
//   ((dF/dy)^T w)_l = G_l^T(D_l) - k2 w_l [l < L] - alpha P'(r_l) w_l + k1 a_{l+1} [l < L],
//   dW_l += d/dW <k1 e_l, G(w_l)> + d/dW <D_l, G(r_l)>,
//   dk1 += sum_l <a_l, e_l>,  dk2 += sum_{l<L} <w_l, G_{l+1}(r_{l+1}) - r_l>,  dalpha -= sum_l <w_l, P(r_l)>.
void PredictiveCoding::reverse(const double* y, const double* w, double* out, double* grad, bool predicted) {
  const std::size_t L = spec_.levels.size();
  const double a = k1(), b = k2(), c = alpha();
  for (std::size_t l = 1; l <= L; ++l) {
    const std::size_t n = shapes_[l - 1].size();
    maps_[l - 1]->predict(weights(l), w + offsets_[l], trial_size_, adjoint_predictions_[l].data(), n, batch_,
                          0.0);
    double* d = scratch_[l].data();
    const double* ap = adjoint_predictions_[l].data();
    for (std::size_t t = 0; t < batch_; ++t) {
      const double* w_lower = l == 1 ? nullptr : w + t * trial_size_ + offsets_[l - 1];
      for (std::size_t i = 0; i < n; ++i) d[t * n + i] = (w_lower ? b * w_lower[i] : 0.0) - a * ap[t * n + i];
    }
  }
  if (out) {
    for (std::size_t l = 1; l <= L; ++l)
      maps_[l - 1]->project(weights(l), scratch_[l].data(), shapes_[l - 1].size(), out + offsets_[l],
                            trial_size_, batch_, 0.0);
    for (std::size_t t = 0; t < batch_; ++t)
      for (std::size_t l = 1; l <= L; ++l) {
        const std::size_t n = shapes_[l].size();
        const std::size_t at = t * trial_size_ + offsets_[l];
        const double* from_above = l < L ? adjoint_predictions_[l + 1].data() + t * n : nullptr;
        for (std::size_t i = 0; i < n; ++i) {
          double v = out[at + i] - c * prior_slope(spec_.prior, y[at + i]) * w[at + i];
          if (from_above) v += a * from_above[i] - b * w[at + i];
          out[at + i] = v;
        }
      }
  }
  if (!grad) return;
  if (!predicted) predict_all(y);
  double dk1 = 0, dk2 = 0, dalpha = 0;
  for (std::size_t l = 1; l <= L; ++l) {
    std::size_t stride = 0;
    const double* lower = lower_of(y, l, stride);
    const std::size_t n = shapes_[l - 1].size();
    // Both weight-gradient terms as one product over 2 x batch images: the lower-side factors
    // [D_l; k1 e_l] (D_l is already the first half of scratch_) against [r_l; w_l].
    double* e = scratch_[l].data() + batch_ * n;
    const double* ap = adjoint_predictions_[l].data();
    for (std::size_t t = 0; t < batch_; ++t)
      for (std::size_t i = 0; i < n; ++i) {
        const double error = lower[t * stride + i] - prediction_[l][t * n + i];
        dk1 += ap[t * n + i] * error;
        e[t * n + i] = a * error;
      }
    const std::size_t m = shapes_[l].size();
    double* upper = upper_pairs_[l].data();
    for (std::size_t t = 0; t < batch_; ++t) {
      std::copy_n(y + t * trial_size_ + offsets_[l], m, upper + t * m);
      std::copy_n(w + t * trial_size_ + offsets_[l], m, upper + (batch_ + t) * m);
    }
    maps_[l - 1]->add_weight_gradient(scratch_[l].data(), n, upper, m, 2 * batch_, grad + weight_offsets_[l]);
  }
  if (!spec_.trainable_rates) return;
  for (std::size_t t = 0; t < batch_; ++t)
    for (std::size_t l = 1; l <= L; ++l) {
      const std::size_t n = shapes_[l].size();
      const std::size_t at = t * trial_size_ + offsets_[l];
      const double* top_down = l < L ? prediction_[l + 1] + t * n : nullptr;
      for (std::size_t i = 0; i < n; ++i) {
        if (top_down) dk2 += w[at + i] * (top_down[i] - y[at + i]);
        dalpha -= w[at + i] * prior_value(spec_.prior, y[at + i]);
      }
    }
  grad[weight_total_] += dk1;
  grad[weight_total_ + 1] += dk2;
  grad[weight_total_ + 2] += dalpha;
}

std::vector<double> PredictiveCoding::image_prediction(const double* y) {
  predict_all(y);
  return predictions_[1];
}

}  // namespace neurode::models
