#pragma once
/// The interface every model implements: a vector field dy/dt = F(t, y; p) that is smooth between
/// the breakpoints of a piecewise-constant forcing, with the derivative products that implicit
/// solvers and every gradient method need. A batch of independent trials is one model whose state is
/// the trials' states laid end to end; parameters are shared by the trials, and parameter gradients
/// are kept per trial so that they can be summed in a fixed order across MPI ranks.
///
/// Required: the sizes, the breakpoints, F and its three products (dF/dy v, (dF/dy)^T w,
/// (dF/dp)^T w), and the parameters. Optional capabilities, each with a default and a query: the
/// stage linearisations (linearisation_size() > 0) and the assembled Jacobians dF/dy and dF/dp
/// (has_assembled_jacobian(), has_assembled_parameter_jacobian()). Every method and gradient runs
/// on the required part; an implicit method uses an assembled dF/dy, where there is one, only to
/// precondition its Newton solves (docs/solvers.md).
#include <cstddef>
#include <string>
#include <vector>

#include "models/state_layout.hpp"

namespace neurode::models {

struct MatrixEntry {
  std::size_t row;
  std::size_t col;
  double value;
};

class Model {
 public:
  virtual ~Model() = default;

  /// What error messages call the model, e.g. "column network".
  virtual std::string name() const { return "model"; }
  virtual std::size_t state_size() const = 0;  ///< total over trials
  virtual std::size_t trial_count() const { return 1; }
  virtual std::size_t parameter_size() const = 0;  ///< trainable parameters (shared by trials)
  /// How many rows of parameter gradients the products accumulate into: one per trial (the
  /// default: grad[trial * parameter_size() + k]), or 1 for a model whose products sum over its
  /// trials itself (image models, whose weight gradients are one matrix product over the batch).
  /// Either way the sum over a block's trials is in a fixed order, so a block's gradient never
  /// depends on the rank that computes it.
  virtual std::size_t gradient_rows() const { return trial_count(); }
  /// The names and shapes of one trial's state (state_size() / trial_count() values). The default
  /// is one unnamed vector "y"; models override it so that outputs name their components.
  virtual StateLayout state_layout() const {
    return {{{"y", {state_size() / trial_count()}, "", "state", "state index"}}};
  }

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
  /// grad[trial * parameter_size() + k] += sum over that trial's block of w_i dF_i/dp_k (with
  /// gradient_rows() == 1: grad[k] += the sum over all trials).
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

  /// Stage linearisation (optional). A model may record, while it evaluates F at a stage of the
  /// forward solve, what its derivative products at that stage need (the column model: the rate f
  /// and slope f' of every population of every trial), so that a discrete adjoint need not evaluate
  /// the expensive part of F again. linearisation_size() is the number of doubles for the whole
  /// batch; 0 (the default) means not supported, and none of the *_linearisation functions is called.
  virtual std::size_t linearisation_size() const { return 0; }
  /// F(t, y) into dydt, and the linearisation at (t, y) into `linearisation` (linearisation_size()
  /// doubles). dydt must equal rhs(t, segment, y) bitwise.
  virtual void rhs_recording(double t, std::size_t segment, const double* y, double* dydt,
                             double* linearisation) {
    (void)linearisation;
    rhs(t, segment, y, dydt);
  }
  /// F(t, y) from the linearisation recorded at (t, y): equal to rhs() up to rounding, without its
  /// expensive part.
  virtual void rhs_from_linearisation(double t, std::size_t segment, const double* y,
                                      const double* linearisation, double* dydt) {
    (void)linearisation;
    rhs(t, segment, y, dydt);
  }
  /// Whether vector_jacobian_products_from_linearisation reads y; when it does not, a caller may
  /// pass y = nullptr (the adjoint then skips recomputing the stage states).
  virtual bool linearised_products_read_state() const { return true; }
  /// vector_jacobian_products at (t, y) with the linearisation recorded there.
  virtual void vector_jacobian_products_from_linearisation(double t, std::size_t segment, const double* y,
                                                           const double* linearisation, const double* w,
                                                           double* out, double* grad) {
    (void)linearisation;
    vector_jacobian_products(t, segment, y, w, out, grad);
  }

  /// Assembled Jacobians (optional). A model that has them says so here; without them, asking for
  /// their entries throws std::invalid_argument naming the model and what runs without them.
  virtual bool has_assembled_jacobian() const { return false; }
  virtual bool has_assembled_parameter_jacobian() const { return false; }
  /// Appends the structurally nonzero entries of dF/dy (duplicates are summed by the caller).
  virtual void jacobian_entries(double t, std::size_t segment, const double* y,
                                std::vector<MatrixEntry>& entries);
  /// Appends the entries of dF/dp (rows: states, columns: trial * parameter_size() + k).
  virtual void parameter_jacobian_entries(double t, std::size_t segment, const double* y,
                                          std::vector<MatrixEntry>& entries);

  /// A linear decay split (optional): F(t, y) = D y + N(t, y) with D diagonal and constant in t and
  /// y, for IMEX methods that take D y implicitly (solver.method: imex). A model that has one says
  /// so and writes the diagonal of D (state_size() values) for its current parameters.
  virtual bool has_linear_decay() const { return false; }
  virtual void linear_decay(double* diagonal) const { (void)diagonal; }

  virtual std::vector<double> parameters() const = 0;
  virtual void set_parameters(const std::vector<double>& values) = 0;
};

/// Index of the forcing segment that holds at time t (the number of breakpoints <= t, with a
/// relative tolerance so that a time computed as a sum of steps lands on the breakpoint it meant).
std::size_t segment_at(const std::vector<double>& breakpoints, double t);

}  // namespace neurode::models
