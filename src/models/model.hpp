#pragma once
/// The interface every model implements: a vector field dy/dt = F(t, y; p) that is smooth between
/// the breakpoints of a piecewise-constant forcing, with the derivative products that implicit
/// solvers and every gradient method need. A batch of independent trials is one model whose state is
/// the trials' states laid end to end; parameters are shared by the trials, and parameter gradients
/// are kept per trial so that they can be summed in a fixed order across MPI ranks.
#include <cstddef>
#include <vector>

namespace neurode::models {

struct MatrixEntry {
  std::size_t row;
  std::size_t col;
  double value;
};

class Model {
 public:
  virtual ~Model() = default;

  virtual std::size_t state_size() const = 0;  ///< total over trials
  virtual std::size_t trial_count() const { return 1; }
  virtual std::size_t parameter_size() const = 0;  ///< trainable parameters (shared by trials)

  /// Sorted times at which the forcing jumps. Segment k is [breakpoint k-1, breakpoint k).
  virtual const std::vector<double>& breakpoints() const = 0;

  /// F(t, y) on forcing segment `segment`.
  virtual void rhs(double t, std::size_t segment, const double* y, double* dydt) = 0;
  /// out = (dF/dy) v
  virtual void jacobian_vector(double t, std::size_t segment, const double* y, const double* v,
                               double* out) = 0;
  /// out = (dF/dy)^T w
  virtual void jacobian_transpose_vector(double t, std::size_t segment, const double* y, const double* w,
                                         double* out) = 0;
  /// grad[trial * parameter_size() + k] += sum over that trial's block of w_i dF_i/dp_k.
  virtual void parameter_transpose_vector(double t, std::size_t segment, const double* y, const double* w,
                                          double* grad) = 0;
  /// Both products of a reverse step at once: out = (dF/dy)^T w and grad += (dF/dp)^T w per trial.
  /// Models override it to share the work of the two (the column model evaluates its transfer
  /// function once instead of twice).
  virtual void vector_jacobian_products(double t, std::size_t segment, const double* y, const double* w,
                                        double* out, double* grad) {
    jacobian_transpose_vector(t, segment, y, w, out);
    parameter_transpose_vector(t, segment, y, w, grad);
  }
  /// Appends the structurally nonzero entries of dF/dy (duplicates are summed by the caller).
  virtual void jacobian_entries(double t, std::size_t segment, const double* y,
                                std::vector<MatrixEntry>& entries) = 0;
  /// Appends the entries of dF/dp (rows: states, columns: trial * parameter_size() + k).
  virtual void parameter_jacobian_entries(double t, std::size_t segment, const double* y,
                                          std::vector<MatrixEntry>& entries) = 0;

  virtual std::vector<double> parameters() const = 0;
  virtual void set_parameters(const std::vector<double>& values) = 0;
};

/// Index of the forcing segment that holds at time t (the number of breakpoints <= t, with a
/// relative tolerance so that a time computed as a sum of steps lands on the breakpoint it meant).
std::size_t segment_at(const std::vector<double>& breakpoints, double t);

}  // namespace neurode::models
