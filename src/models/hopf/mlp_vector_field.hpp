#pragma once
/// A neural ODE for the Hopf bifurcation toy (docs/hopf.md): dz/dt = MLP(x, y, mu(t)) for a batch
/// of trials, each with the state z = [x, y] and its own forcing mu_b(t) = sin(omega t + c_b).
/// The forcing is smooth, so there are no breakpoints and adaptive solvers see one segment.
///
/// Parameters, flattened in the order of PyTorch's nn.Sequential state_dict:
///   [W_0, b_0, W_1, b_1, ..., W_{L-1}, b_{L-1}],
/// W_l the layers[l + 1] x layers[l] weight matrix of layer l, row-major (W_l[i, j] at offset
/// i * layers[l] + j of its block), b_l its bias (layers[l + 1] values). Input order of layer 0:
/// (x, y, mu). Hidden layers apply the activation, the last layer is linear.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "models/model.hpp"

namespace neurode::models {

/// Hidden-layer nonlinearity.
///  - relu: the prototype's choice. Its derivative jumps at 0, so the vector field is only
///    piecewise smooth: an adaptive solver's error estimate is wrong on steps that cross a kink
///    (rejected steps, tiny dt), and finite differences disagree with the exact gradient whenever
///    a perturbation moves a unit across 0.
///  - tanh: smooth, bounded, Xavier initialisation; saturates for large inputs.
///  - softplus: log(1 + e^z), a smooth ReLU (derivative the logistic sigmoid): ReLU's
///    expressiveness without kinks. The Hopf task's default.
enum class Activation { relu, tanh, softplus };
Activation parse_activation(const std::string& name);  ///< relu, tanh, softplus; throws std::invalid_argument
const char* to_string(Activation activation);

struct MlpSpec {
  /// Widths from input to output; the input must be 3 (x, y, mu) and the output 2 (dx/dt, dy/dt).
  std::vector<std::size_t> layers = {3, 100, 100, 100, 2};
  Activation activation = Activation::softplus;
  /// Factor on the output layer's Xavier bound at initialisation. A neural ODE compounds its field
  /// over the whole horizon: with gain 1 the prototype's 3-100-100-100-2 softplus network starts as
  /// an expansion whose trajectories pass |z| = 1e6 at t = 8.4, and gain 0.1 still starts at an
  /// MSE of ~200. Gain 0 starts at the identity flow (F = 0; MSE ~1.6), and the hidden layers get
  /// gradients from the second step on; it also trained best (docs/hopf.md).
  double output_gain = 0.0;
};

/// Throws std::invalid_argument unless the spec has an input of 3, an output of 2 and no empty layer.
void validate(const MlpSpec& spec);
/// Number of weights and biases: sum over layers of (in + 1) out.
std::size_t mlp_parameter_count(const MlpSpec& spec);
/// Labels in parameter order: "W0[i,j]", "b0[i]", "W1[i,j]", ...
std::vector<std::string> mlp_parameter_labels(const MlpSpec& spec);
/// Initial parameters: hidden layers Kaiming-uniform (relu, softplus: U(-sqrt(6 / fan_in), +)) or
/// Xavier-uniform (tanh: U(-sqrt(6 / (fan_in + fan_out)), +)); the linear output layer
/// Xavier-uniform times spec.output_gain; biases 0. Parameter k uses value k of one counter-based stream
/// keyed by `seed` (a stream of its own, see mlp_vector_field.cpp), so the weights depend on nothing else.
std::vector<double> initial_mlp_parameters(const MlpSpec& spec, std::uint64_t seed);

/// mu_b(t) = sin(omega t + c_b), or, when `held`, the constant sin(c_b) = mu_b(0) (the frozen-mu
/// flow that the Hopf task's behaviour score integrates).
struct MuForcing {
  std::vector<double> phases;       ///< c_b of each trial, rad; one trial per phase
  double angular_frequency = 0.25;  ///< omega, rad per time unit
  bool held = false;
  double value(std::size_t trial, double t) const;
};

class MlpVectorField final : public Model {
 public:
  /// `parameters` in the documented order (mlp_parameter_count(spec) values). Throws
  /// std::invalid_argument on a bad spec, no trials or a wrong parameter count.
  MlpVectorField(MlpSpec spec, MuForcing forcing, std::vector<double> parameters);

  std::size_t state_size() const override { return 2 * trials_; }
  std::size_t trial_count() const override { return trials_; }
  StateLayout state_layout() const override {
    return {{{"x", {1}, "", "value", "x"}, {"y", {1}, "", "value", "y"}}};
  }
  std::size_t parameter_size() const override { return parameters_.size(); }
  const std::vector<double>& breakpoints() const override { return breakpoints_; }

  // Every product below runs one forward pass per trial through the network (no caching between
  // calls: the solvers call them at different stage states) and allocates nothing.
  void rhs(double t, std::size_t segment, const double* y, double* dydt) override;
  void jacobian_vector(double t, std::size_t segment, const double* y, const double* v, double* out) override;
  void jacobian_transpose_vector(double t, std::size_t segment, const double* y, const double* w,
                                 double* out) override;
  /// Reverse mode through the network; accumulates into grad[trial * parameter_size() + k].
  void parameter_transpose_vector(double t, std::size_t segment, const double* y, const double* w,
                                  double* grad) override;
  std::string name() const override { return "mlp vector field"; }
  bool has_assembled_jacobian() const override { return true; }
  bool has_assembled_parameter_jacobian() const override { return true; }
  /// A dense 2 x 2 block per trial.
  void jacobian_entries(double t, std::size_t segment, const double* y,
                        std::vector<MatrixEntry>& entries) override;
  /// Dense: 2 x parameter_size() entries per trial (two reverse passes); only the continuous
  /// adjoint of implicit methods asks for it.
  void parameter_jacobian_entries(double t, std::size_t segment, const double* y,
                                  std::vector<MatrixEntry>& entries) override;

  std::vector<double> parameters() const override { return parameters_; }
  void set_parameters(const std::vector<double>& values) override;

  const MlpSpec& spec() const { return spec_; }
  const MuForcing& forcing() const { return forcing_; }

 private:
  /// Forward pass of trial `trial` at (t, z): fills the activations a_l and the slopes sigma'(z_l)
  /// of the hidden layers, and the output into `out` (2 values) when given.
  void forward(double t, std::size_t trial, const double* z, double* out);
  /// Reverse pass from the output cotangent w (2 values) after forward(): leaves dL/d(input) in
  /// input_cotangent_ and, when `grad` is given, adds dL/dW_l and dL/db_l to grad.
  void backward(const double* w, double* grad);
  /// Forward-mode pass after forward(): out (2 values) = dF/dz (vx, vy) (mu does not depend on z).
  void tangent(double vx, double vy, double* out);

  MlpSpec spec_;
  MuForcing forcing_;
  std::size_t trials_ = 0;
  std::vector<double> parameters_;
  std::vector<double> breakpoints_;                       ///< empty: the forcing is smooth
  std::size_t layer_count_ = 0;                           ///< L = layers.size() - 1
  std::vector<std::size_t> weight_offset_, bias_offset_;  ///< per layer, into parameters_
  std::vector<std::size_t> activation_offset_;            ///< per layer input, into activation_
  // Scratch, sized once: inputs of every layer (a_0 = (x, y, mu), a_l = sigma(z_{l-1})), slopes
  // sigma'(z_l) of the hidden layers (laid out like a_{l+1}), and two vectors of the widest layer
  // for tangents and cotangents.
  std::vector<double> activation_, slope_, work_a_, work_b_;
  std::vector<double> input_cotangent_;  ///< dL/d(x, y, mu) after backward()
  std::vector<double> row_gradient_;     ///< one output's dF_i/dp (parameter_jacobian_entries)
};

}  // namespace neurode::models
