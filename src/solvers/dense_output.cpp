#include "solvers/dense_output.hpp"

#include <algorithm>
#include <cmath>

#include "solvers/butcher_tableau.hpp"

namespace neurode::solvers {
namespace {

// Polynomials in theta stored without their constant term (every b_i(0) = 0), lowest power first.
using Polynomial = std::vector<double>;

Polynomial scaled(Polynomial p, double factor) {
  for (double& c : p) c *= factor;
  return p;
}

Polynomial sum(const Polynomial& a, const Polynomial& b) {
  Polynomial out(std::max(a.size(), b.size()), 0.0);
  for (std::size_t i = 0; i < a.size(); ++i) out[i] += a[i];
  for (std::size_t i = 0; i < b.size(); ++i) out[i] += b[i];
  return out;
}

DenseOutput from_polynomials(int order, const std::vector<Polynomial>& per_stage) {
  DenseOutput d;
  d.order = order;
  std::size_t terms = 0;
  for (const auto& p : per_stage) terms = std::max(terms, p.size());
  d.degree = static_cast<int>(terms);
  d.coefficients.assign(per_stage.size() * terms, 0.0);
  for (std::size_t i = 0; i < per_stage.size(); ++i)
    std::copy(per_stage[i].begin(), per_stage[i].end(),
              d.coefficients.begin() + static_cast<long>(i * terms));
  return d;
}

bool last_stage_is_end_slope(const ButcherTableau& t) {
  // PETSc forms c as the row sums of A: Dormand-Prince's last c is 1 - 2.2e-16.
  if (!t.fsal || t.stages < 2 || std::abs(t.c.back() - 1.0) > 1e-14) return false;
  for (int j = 0; j < t.stages - 1; ++j)
    if (t.a(t.stages - 1, j) != t.b[static_cast<std::size_t>(j)]) return false;
  return t.b.back() == 0.0;
}

// Cubic Hermite through y_n, h k_1, y_n+1 = y_n + h sum b_i k_i and h k_s:
// y(theta) - y_n = (3 theta^2 - 2 theta^3) h sum b_i k_i + (theta - 2 theta^2 + theta^3) h k_1
//                  + (theta^3 - theta^2) h k_s.
DenseOutput hermite(const ButcherTableau& t) {
  std::vector<Polynomial> p(static_cast<std::size_t>(t.stages));
  const Polynomial step_part = {0.0, 3.0, -2.0}, first_slope = {1.0, -2.0, 1.0},
                   last_slope = {0.0, -1.0, 1.0};
  for (int i = 0; i < t.stages; ++i)
    p[static_cast<std::size_t>(i)] = scaled(step_part, t.b[static_cast<std::size_t>(i)]);
  p.front() = sum(p.front(), first_slope);
  p.back() = sum(p.back(), last_slope);
  return from_polynomials(3, p);
}

// Shampine's order-4 interpolant of Dormand-Prince 5(4), in Hairer's form
//   y(theta) = y_n + theta (D + (1 - theta) (E + theta (F + (1 - theta) G)))
// with D = h sum b_i k_i, E = h k_1 - D, F = D - h k_7 - E and G = h sum d_i k_i.
DenseOutput dormand_prince(const ButcherTableau& t) {
  const double d[7] = {-12715105075.0 / 11282082432.0,  0.0,
                       87487479700.0 / 32700410799.0,   -10690763975.0 / 1880347072.0,
                       701980252875.0 / 199316789632.0, -1453857185.0 / 822651844.0,
                       69997945.0 / 29380423.0};
  std::vector<Polynomial> p(7);
  for (std::size_t i = 0; i < 7; ++i) {
    const double b = t.b[i], first = i == 0 ? 1.0 : 0.0, last = i == 6 ? 1.0 : 0.0;
    const double D = b, E = first - b, F = b - last - E, G = d[i];
    // theta D + theta (1 - theta) E + theta^2 (1 - theta) F + theta^2 (1 - theta)^2 G
    p[i] = {D + E, -E + F + G, -F - 2 * G, G};
  }
  return from_polynomials(4, p);
}

// RK4's continuous extension: b_1 = theta - 3/2 theta^2 + 2/3 theta^3, b_2 = b_3 = theta^2 - 2/3
// theta^3, b_4 = -1/2 theta^2 + 2/3 theta^3.
DenseOutput classical_rk4() {
  return from_polynomials(
      3, {{1.0, -1.5, 2.0 / 3.0}, {0.0, 1.0, -2.0 / 3.0}, {0.0, 1.0, -2.0 / 3.0}, {0.0, -0.5, 2.0 / 3.0}});
}

}  // namespace

void DenseOutput::weights(double theta, double* w) const {
  const std::size_t terms = static_cast<std::size_t>(degree), stages = coefficients.size() / terms;
  for (std::size_t i = 0; i < stages; ++i) {
    // Horner's rule on theta (c_1 + theta (c_2 + ...)).
    const double* c = &coefficients[i * terms];
    double value = 0.0;
    for (std::size_t p = terms; p-- > 0;) value = value * theta + c[p];
    w[i] = value * theta;
  }
}

bool DenseOutput::uses_stage(std::size_t i) const {
  const std::size_t terms = static_cast<std::size_t>(degree);
  if (terms == 0 || (i + 1) * terms > coefficients.size()) return false;
  return std::any_of(coefficients.begin() + static_cast<long>(i * terms),
                     coefficients.begin() + static_cast<long>((i + 1) * terms),
                     [](double c) { return c != 0.0; });
}

DenseOutput dense_output_of(const ButcherTableau& t) {
  if (t.name == "5dp" && t.stages == 7 && last_stage_is_end_slope(t)) return dormand_prince(t);
  if (t.name == "4" && t.stages == 4) return classical_rk4();
  if (t.name == "1fe" && t.stages == 1) return from_polynomials(1, {{1.0}});
  if (last_stage_is_end_slope(t)) return hermite(t);
  return {};
}

}  // namespace neurode::solvers
