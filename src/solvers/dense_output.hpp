#pragma once
/// Continuous extensions of explicit Runge-Kutta methods: the state inside an accepted step
/// [t_n, t_n + h] as y_n + h sum_i b_i(theta) k_i, from the step's own stage slopes k_i, so that
/// an adaptive solve need not stop at every output, and a discrete adjoint differentiates the
/// outputs exactly (each weight is a polynomial in theta, fixed once theta is).
///  - Dormand-Prince 5(4): Shampine's interpolant of order 4 (as in Hairer's DOPRI5), from the
///    seven stages including the FSAL one, k_7 = f(t_n + h, y_n+1);
///  - other methods whose last stage is f at the step's end (FSAL, e.g. Bogacki-Shampine 3(2)):
///    the cubic Hermite interpolant of y_n, k_1, y_n+1, k_s, of order 3;
///  - classical RK4: its continuous extension of order 3;
///  - forward Euler: the straight line, its own order 1.
/// Other tableaus (Verner 8(7)) have none here.
#include <string>
#include <vector>

namespace neurode::solvers {

struct ButcherTableau;

struct DenseOutput {
  int order = 0;  ///< of the interpolated state; 0: the method has no interpolant
  int degree = 0;  ///< of the polynomials b_i (none has a constant term: b_i(0) = 0)
  /// stages x degree: b_i(theta) = sum_p coefficients[i degree + p] theta^(p+1), p < degree
  std::vector<double> coefficients;

  bool available() const { return order > 0; }
  /// b_i(theta) for every stage, into w (stages values).
  void weights(double theta, double* w) const;
  /// Whether stage i enters the interpolant for some theta.
  bool uses_stage(std::size_t i) const;
};

/// The interpolant of `tableau` (identified by its PETSc type and its coefficients).
DenseOutput dense_output_of(const ButcherTableau& tableau);

}  // namespace neurode::solvers
