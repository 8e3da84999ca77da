#include "models/hopf/mlp_vector_field.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "models/kernels/random_stream.hpp"

namespace neurode::models {
namespace {

// Stream domain of the initial MLP weights. RandomDomain (random_stream.hpp) numbers its domains
// from 1 upwards; the Hopf toy's streams use 0x48xx ('H') so that they cannot meet a future entry.
constexpr std::uint16_t kMlpInitialWeightsDomain = 0x4801;

struct ValueAndSlope {
  double value;
  double slope;
};

inline ValueAndSlope activate(Activation activation, double z) {
  switch (activation) {
    case Activation::relu:
      return z > 0.0 ? ValueAndSlope{z, 1.0} : ValueAndSlope{0.0, 0.0};
    case Activation::tanh: {
      const double t = std::tanh(z);
      return {t, 1.0 - t * t};
    }
    case Activation::softplus: {
      // log(1 + e^z) = max(z, 0) + log1p(e^-|z|), which neither overflows for large z nor loses
      // the small value for very negative z; the slope is the logistic function from the same e.
      const double e = std::exp(-std::abs(z));
      const double sigmoid = z >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
      return {std::max(z, 0.0) + std::log1p(e), sigmoid};
    }
  }
  return {0.0, 0.0};
}

}  // namespace

Activation parse_activation(const std::string& name) {
  if (name == "relu") return Activation::relu;
  if (name == "tanh") return Activation::tanh;
  if (name == "softplus") return Activation::softplus;
  throw std::invalid_argument("unknown activation '" + name + "' (expected relu, tanh or softplus)");
}

const char* to_string(Activation activation) {
  switch (activation) {
    case Activation::relu:
      return "relu";
    case Activation::tanh:
      return "tanh";
    case Activation::softplus:
      return "softplus";
  }
  return "?";
}

void validate(const MlpSpec& spec) {
  if (spec.layers.size() < 2)
    throw std::invalid_argument("mlp: at least an input and an output layer are needed");
  if (spec.layers.front() != 3)
    throw std::invalid_argument("mlp: the input layer must have 3 units (x, y, mu)");
  if (spec.layers.back() != 2)
    throw std::invalid_argument("mlp: the output layer must have 2 units (dx/dt, dy/dt)");
  for (std::size_t width : spec.layers)
    if (width == 0) throw std::invalid_argument("mlp: layers must not be empty");
  if (!(spec.output_gain >= 0.0)) throw std::invalid_argument("mlp: output_gain must be >= 0");
}

std::size_t mlp_parameter_count(const MlpSpec& spec) {
  std::size_t count = 0;
  for (std::size_t l = 0; l + 1 < spec.layers.size(); ++l) count += (spec.layers[l] + 1) * spec.layers[l + 1];
  return count;
}

std::vector<std::string> mlp_parameter_labels(const MlpSpec& spec) {
  std::vector<std::string> labels;
  labels.reserve(mlp_parameter_count(spec));
  for (std::size_t l = 0; l + 1 < spec.layers.size(); ++l) {
    const std::string layer = std::to_string(l);
    for (std::size_t i = 0; i < spec.layers[l + 1]; ++i)
      for (std::size_t j = 0; j < spec.layers[l]; ++j)
        labels.push_back("W" + layer + "[" + std::to_string(i) + "," + std::to_string(j) + "]");
    for (std::size_t i = 0; i < spec.layers[l + 1]; ++i)
      labels.push_back("b" + layer + "[" + std::to_string(i) + "]");
  }
  return labels;
}

std::vector<double> initial_mlp_parameters(const MlpSpec& spec, std::uint64_t seed) {
  validate(spec);
  const RandomStream stream(seed, stream_id(static_cast<RandomDomain>(kMlpInitialWeightsDomain), 0));
  std::vector<double> values;
  values.reserve(mlp_parameter_count(spec));
  const std::size_t L = spec.layers.size() - 1;
  for (std::size_t l = 0; l < L; ++l) {
    const auto fan_in = static_cast<double>(spec.layers[l]);
    const auto fan_out = static_cast<double>(spec.layers[l + 1]);
    // Kaiming (He et al. 2015) keeps the forward variance of ReLU-like layers; Xavier (Glorot &
    // Bengio 2010) that of tanh and of the linear output, which must not blow up the initial field.
    const bool relu_like = l + 1 < L && spec.activation != Activation::tanh;
    const double gain = l + 1 == L ? spec.output_gain : 1.0;
    const double bound = gain * (relu_like ? std::sqrt(6.0 / fan_in) : std::sqrt(6.0 / (fan_in + fan_out)));
    const std::size_t weights = spec.layers[l] * spec.layers[l + 1];
    for (std::size_t k = 0; k < weights; ++k)
      values.push_back(bound * (2.0 * stream.uniform(values.size()) - 1.0));
    values.insert(values.end(), spec.layers[l + 1], 0.0);
  }
  return values;
}

double MuForcing::value(std::size_t trial, double t) const {
  return held ? std::sin(phases[trial]) : std::sin(angular_frequency * t + phases[trial]);
}

MlpVectorField::MlpVectorField(MlpSpec spec, MuForcing forcing, std::vector<double> parameters)
    : spec_(std::move(spec)), forcing_(std::move(forcing)), trials_(forcing_.phases.size()) {
  validate(spec_);
  if (trials_ == 0) throw std::invalid_argument("mlp vector field: at least one trial (phase) is needed");
  layer_count_ = spec_.layers.size() - 1;
  std::size_t offset = 0, activations = 0, widest = 0;
  for (std::size_t l = 0; l < layer_count_; ++l) {
    weight_offset_.push_back(offset);
    offset += spec_.layers[l] * spec_.layers[l + 1];
    bias_offset_.push_back(offset);
    offset += spec_.layers[l + 1];
    activation_offset_.push_back(activations);
    activations += spec_.layers[l];
  }
  for (std::size_t width : spec_.layers) widest = std::max(widest, width);
  activation_.assign(activations, 0.0);
  slope_.assign(activations, 0.0);
  work_a_.assign(widest, 0.0);
  work_b_.assign(widest, 0.0);
  input_cotangent_.assign(3, 0.0);
  parameters_.assign(offset, 0.0);
  row_gradient_.assign(offset, 0.0);
  set_parameters(parameters);
}

void MlpVectorField::set_parameters(const std::vector<double>& values) {
  if (values.size() != parameters_.size())
    throw std::invalid_argument("mlp vector field: " + std::to_string(values.size()) +
                                " parameter values for " + std::to_string(parameters_.size()) +
                                " parameters");
  std::copy(values.begin(), values.end(), parameters_.begin());
}

void MlpVectorField::forward(double t, std::size_t trial, const double* z, double* out) {
  double* a0 = activation_.data();
  a0[0] = z[0];
  a0[1] = z[1];
  a0[2] = forcing_.value(trial, t);
  for (std::size_t l = 0; l < layer_count_; ++l) {
    const std::size_t n_in = spec_.layers[l], n_out = spec_.layers[l + 1];
    const double* W = &parameters_[weight_offset_[l]];
    const double* b = &parameters_[bias_offset_[l]];
    const double* a = &activation_[activation_offset_[l]];
    const bool hidden = l + 1 < layer_count_;
    for (std::size_t i = 0; i < n_out; ++i) {
      double s = b[i];
      const double* row = W + i * n_in;
      for (std::size_t j = 0; j < n_in; ++j) s += row[j] * a[j];
      if (hidden) {
        const auto vs = activate(spec_.activation, s);
        activation_[activation_offset_[l + 1] + i] = vs.value;
        slope_[activation_offset_[l + 1] + i] = vs.slope;
      } else if (out) {
        out[i] = s;
      }
    }
  }
}

void MlpVectorField::tangent(double vx, double vy, double* out) {
  double* da = work_a_.data();
  double* dz = work_b_.data();
  da[0] = vx;
  da[1] = vy;
  da[2] = 0.0;  // mu is a function of t only
  for (std::size_t l = 0; l < layer_count_; ++l) {
    const std::size_t n_in = spec_.layers[l], n_out = spec_.layers[l + 1];
    const double* W = &parameters_[weight_offset_[l]];
    const bool hidden = l + 1 < layer_count_;
    for (std::size_t i = 0; i < n_out; ++i) {
      double s = 0.0;
      const double* row = W + i * n_in;
      for (std::size_t j = 0; j < n_in; ++j) s += row[j] * da[j];
      dz[i] = s;
    }
    if (hidden) {
      const double* slope = &slope_[activation_offset_[l + 1]];
      for (std::size_t i = 0; i < n_out; ++i) da[i] = slope[i] * dz[i];
    } else {
      out[0] = dz[0];
      out[1] = dz[1];
    }
  }
}

void MlpVectorField::backward(const double* w, double* grad) {
  double* g = work_a_.data();  // cotangent of layer l's pre-activation z_l
  double* h = work_b_.data();  // cotangent of layer l's input a_l
  g[0] = w[0];
  g[1] = w[1];
  for (std::size_t l = layer_count_; l-- > 0;) {
    const std::size_t n_in = spec_.layers[l], n_out = spec_.layers[l + 1];
    const double* W = &parameters_[weight_offset_[l]];
    const double* a = &activation_[activation_offset_[l]];
    if (grad) {
      double* gW = grad + weight_offset_[l];
      double* gb = grad + bias_offset_[l];
      for (std::size_t i = 0; i < n_out; ++i) {
        gb[i] += g[i];
        double* row = gW + i * n_in;
        for (std::size_t j = 0; j < n_in; ++j) row[j] += g[i] * a[j];
      }
    }
    std::fill(h, h + n_in, 0.0);
    for (std::size_t i = 0; i < n_out; ++i) {
      const double* row = W + i * n_in;
      for (std::size_t j = 0; j < n_in; ++j) h[j] += row[j] * g[i];
    }
    if (l > 0) {
      const double* slope = &slope_[activation_offset_[l]];
      for (std::size_t j = 0; j < n_in; ++j) g[j] = slope[j] * h[j];
    } else {
      std::copy(h, h + 3, input_cotangent_.begin());
    }
  }
}

void MlpVectorField::rhs(double t, std::size_t, const double* y, double* dydt) {
  for (std::size_t trial = 0; trial < trials_; ++trial) forward(t, trial, y + 2 * trial, dydt + 2 * trial);
}

void MlpVectorField::jacobian_vector(double t, std::size_t, const double* y, const double* v, double* out) {
  for (std::size_t trial = 0; trial < trials_; ++trial) {
    forward(t, trial, y + 2 * trial, nullptr);
    tangent(v[2 * trial], v[2 * trial + 1], out + 2 * trial);
  }
}

void MlpVectorField::jacobian_transpose_vector(double t, std::size_t, const double* y, const double* w,
                                               double* out) {
  for (std::size_t trial = 0; trial < trials_; ++trial) {
    forward(t, trial, y + 2 * trial, nullptr);
    backward(w + 2 * trial, nullptr);
    out[2 * trial] = input_cotangent_[0];
    out[2 * trial + 1] = input_cotangent_[1];
  }
}

void MlpVectorField::parameter_transpose_vector(double t, std::size_t, const double* y, const double* w,
                                                double* grad) {
  const std::size_t P = parameters_.size();
  for (std::size_t trial = 0; trial < trials_; ++trial) {
    // A zero cotangent (e.g. a trial whose loss has no weight at this stage) adds nothing.
    if (w[2 * trial] == 0.0 && w[2 * trial + 1] == 0.0) continue;
    forward(t, trial, y + 2 * trial, nullptr);
    backward(w + 2 * trial, grad + trial * P);
  }
}

void MlpVectorField::jacobian_entries(double t, std::size_t, const double* y,
                                      std::vector<MatrixEntry>& entries) {
  double column[2];
  for (std::size_t trial = 0; trial < trials_; ++trial) {
    const std::size_t off = 2 * trial;
    forward(t, trial, y + off, nullptr);
    for (std::size_t j = 0; j < 2; ++j) {
      tangent(j == 0 ? 1.0 : 0.0, j == 0 ? 0.0 : 1.0, column);
      entries.push_back({off, off + j, column[0]});
      entries.push_back({off + 1, off + j, column[1]});
    }
  }
}

void MlpVectorField::parameter_jacobian_entries(double t, std::size_t, const double* y,
                                                std::vector<MatrixEntry>& entries) {
  const std::size_t P = parameters_.size();
  for (std::size_t trial = 0; trial < trials_; ++trial) {
    forward(t, trial, y + 2 * trial, nullptr);
    for (std::size_t i = 0; i < 2; ++i) {
      const double unit[2] = {i == 0 ? 1.0 : 0.0, i == 0 ? 0.0 : 1.0};
      std::fill(row_gradient_.begin(), row_gradient_.end(), 0.0);
      backward(unit, row_gradient_.data());
      for (std::size_t k = 0; k < P; ++k) entries.push_back({2 * trial + i, trial * P + k, row_gradient_[k]});
    }
  }
}

}  // namespace neurode::models
