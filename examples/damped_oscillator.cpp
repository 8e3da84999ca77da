//                       neurode example: a damped oscillator
//
// Compile with: cmake --build build --target neurode_example_damped_oscillator
//
// Sample runs:  build/examples/neurode_example_damped_oscillator
//               build/examples/neurode_example_damped_oscillator -ts_rtol 1e-8 -ts_atol 1e-8
//               build/examples/neurode_example_damped_oscillator -ts_rk_type 4 -ts_adapt_type none -ts_dt
//               1e-3
//
// Description:  A model defined outside neurode's library, integrated and differentiated by it:
//               the oscillator x'' = -k x - c x' as the system dx/dt = v, dv/dt = -k x - c v, with
//               the stiffness k and the damping c as trainable parameters. The loss is the mean
//               over 21 observation times of (x(t) - x*(t))^2, x* the trajectory at k = 4, c = 0.5.
//               At k = 3, c = 0.8 the program computes the loss and its gradient by neurode's
//               discrete adjoint of adaptive Dormand-Prince 5(4), compares the gradient with
//               central finite differences and exits with 1 if they differ by more than 1e-6 of
//               its largest entry. PETSc options (-ts_*) replace the solver.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <utility>
#include <vector>

#include "models/model.hpp"
#include "petsc/session.hpp"
#include "solvers/gradient.hpp"
#include "solvers/integrator.hpp"

namespace {

// The model: only the required part of neurode::models::Model, with exact products. No breakpoints
// (no piecewise-constant forcing), one trial, no assembled Jacobian.
class DampedOscillator final : public neurode::models::Model {
 public:
  DampedOscillator(double k, double c) : p_{k, c} {}
  std::string name() const override { return "damped oscillator"; }
  std::size_t state_size() const override { return 2; }
  std::size_t parameter_size() const override { return 2; }
  const std::vector<double>& breakpoints() const override { return breakpoints_; }
  void rhs(double, std::size_t, const double* y, double* f) override {
    f[0] = y[1];
    f[1] = -p_[0] * y[0] - p_[1] * y[1];
  }
  void jacobian_vector(double, std::size_t, const double*, const double* v, double* out) override {
    out[0] = v[1];
    out[1] = -p_[0] * v[0] - p_[1] * v[1];
  }
  void jacobian_transpose_vector(double, std::size_t, const double*, const double* w, double* out) override {
    out[0] = -p_[0] * w[1];
    out[1] = w[0] - p_[1] * w[1];
  }
  void parameter_transpose_vector(double, std::size_t, const double* y, const double* w,
                                  double* grad) override {
    grad[0] += -y[0] * w[1];  // dF/dk = (0, -x)
    grad[1] += -y[1] * w[1];  // dF/dc = (0, -v)
  }
  std::vector<double> parameters() const override { return p_; }
  void set_parameters(const std::vector<double>& values) override { p_ = values; }

 private:
  std::vector<double> p_;
  std::vector<double> breakpoints_;
};

// The loss, mean over the observations of (x(t_k) - target_k)^2, and its derivative in the state.
class PositionMse final : public neurode::solvers::ObservationCost {
 public:
  explicit PositionMse(std::vector<double> target) : target_(std::move(target)), n_(target_.size()) {}
  void add_value(std::size_t k, const double* y, std::vector<double>& per_trial) const override {
    per_trial[0] += (y[0] - target_[k]) * (y[0] - target_[k]) / n_;
  }
  void add_cotangent(std::size_t k, const double* y, double* dl_dy) const override {
    dl_dy[0] += 2.0 * (y[0] - target_[k]) / n_;
  }

 private:
  std::vector<double> target_;
  double n_;
};

}  // namespace

int main(int argc, char** argv) {
  // 1. Initialise PETSc and MPI; the options database receives the command line (-ts_*).
  neurode::petsc::Session session(&argc, &argv);
  using namespace neurode;
  try {
    // 2. The solver (adaptive Dormand-Prince 5(4) at tight tolerances) and the observation times.
    solvers::SolverSettings solver;
    solver.method = "dopri5";
    solver.dt = 1e-3;
    solver.rtol = solver.atol = 1e-10;
    std::vector<double> times;
    for (int k = 0; k <= 20; ++k) times.push_back(0.25 * k);
    const std::vector<double> y0 = {1.0, 0.0};

    // 3. The positions x(t_k) of the oscillator with parameters p, by a forward solve; the target
    //    is x at k = 4, c = 0.5, and loss_at(p) the loss of a forward solve alone.
    auto positions = [&](const std::vector<double>& p) {
      DampedOscillator oscillator(p[0], p[1]);
      const auto s = solvers::Integrator(oscillator, solver).solve(0.0, y0, times);
      if (!s.ok()) throw std::runtime_error(s.message);
      std::vector<double> x;
      for (std::size_t k = 0; k < times.size(); ++k) x.push_back(s.state(k)[0]);
      return x;
    };
    const std::vector<double> target = positions({4.0, 0.5});
    const PositionMse loss(target);
    auto loss_at = [&](const std::vector<double>& p) {
      const auto x = positions(p);
      double sum = 0;
      for (std::size_t k = 0; k < x.size(); ++k) sum += (x[k] - target[k]) * (x[k] - target[k]);
      return sum / static_cast<double>(x.size());
    };

    // 4. Loss and gradient at k = 3, c = 0.8: forward solve and discrete adjoint (the default).
    const std::vector<double> p = {3.0, 0.8};
    DampedOscillator model(p[0], p[1]);
    solvers::GradientSolver gradient_solver(model, solver, solvers::GradientSettings{});
    const auto result = gradient_solver.compute(0.0, y0, times, loss);
    if (!result.forward.ok()) throw std::runtime_error(result.forward.message);
    const auto gradient = result.summed_gradient();

    // 5. Central finite differences of the same loss. The adjoint is exact for the discrete
    //    solution; the differences carry O(h^2) truncation and the tolerance over h, both far
    //    below 1e-6 of the gradient (measured: 7e-9).
    std::vector<double> fd(2);
    for (std::size_t i = 0; i < 2; ++i) {
      const double h = 1e-4 * std::abs(p[i]);
      auto plus = p, minus = p;
      plus[i] += h;
      minus[i] -= h;
      fd[i] = (loss_at(plus) - loss_at(minus)) / (2 * h);
    }
    const double scale = std::max(std::abs(gradient[0]), std::abs(gradient[1]));
    const double error = std::max(std::abs(gradient[0] - fd[0]), std::abs(gradient[1] - fd[1])) / scale;

    // 6. Report on rank 0; the exit code says whether the gradient is right.
    if (session.rank() == 0) {
      std::printf("%s, %s: %ld steps\n", model.name().c_str(), result.method.c_str(),
                  result.forward.statistics.steps);
      std::printf("loss                 %.12e\n", result.loss());
      std::printf("dL/dk, dL/dc adjoint %.12e %.12e\n", gradient[0], gradient[1]);
      std::printf("finite differences   %.12e %.12e\n", fd[0], fd[1]);
      std::printf("relative difference  %.2e (tolerance 1e-6)\n", error);
    }
    return error <= 1e-6 ? 0 : 1;
  } catch (const std::exception& e) {  // a failed solve, or options that select an unsupported method
    std::fprintf(stderr, "damped_oscillator: %s\n", e.what());
    return 2;
  }  // every PETSc object of the try block is gone before the session ends PETSc
}
