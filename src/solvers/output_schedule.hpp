#pragma once
/// Where a solve's steps must end and what they write. A stop is a time the integrator lands on
/// exactly: a forcing breakpoint (where the method is restarted), the end time, and with adaptive
/// steps every output time. Fixed steps keep the grid t0 + j dt, restarted at every breakpoint so
/// that times never accumulate rounding, and write the outputs that fall between grid points by
/// linear interpolation, as fixed-grid deep-learning solvers do. With an interpolant (dense output),
/// outputs are no stops for adaptive steps either, and those inside a step come from the step's
/// stage slopes.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "solvers/butcher_tableau.hpp"
#include "solvers/solution.hpp"

namespace neurode::solvers {

class OutputSchedule {
 public:
  /// `interpolant`: the tableau whose interpolant writes the outputs inside steps (its
  /// `interpolate` set), or nullptr for stops (adaptive) and linear interpolation (fixed steps).
  OutputSchedule(std::size_t state_size, bool fixed_step, double nominal_dt,
                 const ButcherTableau* interpolant = nullptr);

  /// Starts a solve from (t0, y0) writing into `out` (times, components and rows already set; the
  /// last time is the end time): writes an output at t0, and merges the breakpoints in (t0, t_end)
  /// into the stops.
  void start(double t0, const double* y0, const std::vector<double>& breakpoints, Solution& out);

  /// Where the step from t, of the size dt that the controller proposes, is to end: on the fixed
  /// grid, and on the next stop when it would reach it or miss it by a sliver.
  double step_end(double t, double dt);

  struct Landing {
    double t;         ///< the step's exact end
    bool moved;       ///< differs from, or must overwrite, the TS's time
    bool breakpoint;  ///< the method restarts here
  };
  /// The end of the accepted step that the TS put at t: the grid point it aimed at (fixed steps)
  /// and, when `finite`, the stop it reached, which is passed.
  Landing land(double t, bool finite);

  /// Writes the outputs reached by the step [step_start, t] that ended in state y: exact at its
  /// end, interpolated inside it; and keeps y when an output may fall inside the next step. With an
  /// interpolant, `slopes` holds the step's slopes of the stages it needs
  /// (ButcherTableau::stages_needed(), in stage order); otherwise nullptr.
  void record_outputs(double step_start, double t, const double* y, const double* const* slopes = nullptr);
  /// Whether outputs inside steps need the steps' slopes (an interpolant) and some are still due.
  bool wants_slopes() const { return tableau_ != nullptr && out_ != nullptr && !all_outputs_written(); }

  bool all_outputs_written() const { return out_ == nullptr || next_output_ == out_->times.size(); }
  void finish() { out_ = nullptr; }

 private:
  struct Stop {
    double time;
    bool breakpoint = false;
  };
  void write_row(const double* y, double* row) const;
  void interpolate_row(double theta, double h, const double* const* slopes, double* row);

  std::size_t n_;
  bool fixed_step_;
  double nominal_dt_;
  const ButcherTableau* tableau_;
  std::vector<std::size_t> needed_stages_;  ///< the interpolant's stages, in the order of `slopes`
  std::vector<double> weights_;             ///< b_i(theta) of every stage
  Solution* out_ = nullptr;
  std::vector<Stop> stops_;
  std::size_t next_stop_ = 0;
  std::size_t next_output_ = 0;
  std::vector<double> previous_state_;  ///< start of the step being taken, for interpolation
  bool previous_state_kept_ = true;     ///< ... when an output may fall inside that step
  double grid_origin_ = 0, step_target_ = 0;
  long grid_index_ = 0;
};

/// Whether a and b are the same time up to the rounding of a sum of steps.
inline bool same_time(double a, double b) { return std::abs(a - b) <= 1e-12 * std::max(1.0, std::abs(b)); }

}  // namespace neurode::solvers
