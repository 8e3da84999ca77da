#include "simulation_ensemble.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "commands.hpp"
#include "mpi/block_parallel.hpp"
#include "mpi/world.hpp"
#include "solvers/integrator.hpp"

namespace neurode::app {
namespace {

// Each block travels as a header (its solver statistics) and its T x block-state rows.
constexpr std::size_t kHeader = 7;

void write_header(const solvers::Solution& s, double* out) {
  const auto& st = s.statistics;
  const double values[kHeader] = {static_cast<double>(st.steps),
                                  static_cast<double>(st.rejected_steps),
                                  static_cast<double>(st.rhs_evaluations),
                                  static_cast<double>(st.jacobian_evaluations),
                                  static_cast<double>(st.nonlinear_iterations),
                                  static_cast<double>(st.linear_iterations),
                                  st.wall_time_s};
  std::copy(values, values + kHeader, out);
}

void add_header(const double* in, solvers::SolverStatistics& total) {
  total.steps += static_cast<long>(in[0]);
  total.rejected_steps += static_cast<long>(in[1]);
  total.rhs_evaluations += static_cast<long>(in[2]);
  total.jacobian_evaluations += static_cast<long>(in[3]);
  total.nonlinear_iterations += static_cast<long>(in[4]);
  total.linear_iterations += static_cast<long>(in[5]);
  total.wall_time_s += in[6];
}

// A long ensemble says how far it is, every 10 s, from rank 0's share of the blocks (the ranks'
// shares are equal to within one block).
class ProgressReport {
 public:
  void block_done(std::size_t done, std::size_t of) {
    const auto now = std::chrono::steady_clock::now();
    if (!mpi::is_root() || now - last_ < std::chrono::seconds(10) || done == of) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    std::printf("neurode simulate: %zu of %zu blocks on rank 0 done, about %.0f s left\n", done, of,
                elapsed * static_cast<double>(of - done) / static_cast<double>(done));
    std::fflush(stdout);
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_ = start_;
};

}  // namespace

solvers::Solution simulate_ensemble(const EnsembleSpec& spec) {
  const std::size_t T = spec.output_times.size();
  const mpi::BlockParallel blocks(spec.runs, spec.block_size);

  // 1. This rank's blocks. When one fails, every rank stops with the same exit code, and rank 0
  //    reports the first failure in the words of the rank that saw it.
  std::vector<double> local;
  std::string method;
  ProgressReport progress;
  blocks.run<IntegrationFailure>(
      [&](std::size_t b) -> std::string {
        const auto [first_run, end_run] = blocks.items_of(b);
        const std::size_t count = end_run - first_run;
        auto model = spec.block_model(first_run, count);
        std::vector<double> y0;
        for (std::size_t r = 0; r < count; ++r)
          y0.insert(y0.end(), spec.initial_state.begin(), spec.initial_state.end());
        solvers::Integrator integrator(*model, spec.solver);
        const auto s = integrator.solve(spec.t_start, y0, spec.output_times);
        method = s.method;
        if (!s.ok())
          return (count == 1 ? "run " + spec.describe_run(first_run)
                             : "runs " + spec.describe_run(first_run) + " to " +
                                   spec.describe_run(end_run - 1) + " (one block)") +
                 ": " + s.message;
        const std::size_t offset = local.size();
        local.resize(offset + kHeader + T * s.state_size);
        write_header(s, &local[offset]);
        std::copy(s.states.begin(), s.states.begin() + static_cast<std::ptrdiff_t>(T * s.state_size),
                  local.begin() + static_cast<std::ptrdiff_t>(offset + kHeader));
        progress.block_done(b - blocks.first_block() + 1, blocks.end_block() - blocks.first_block());
        return {};
      },
      "; nothing was written");

  // 2. Every block's rows, in block order, on rank 0 only.
  const auto all = blocks.gather_to_root(local);
  if (!mpi::is_root()) return solvers::Solution{};
  solvers::Solution out;
  out.times = spec.output_times;
  out.method = method;
  const std::size_t width = spec.runs * spec.states_per_run;
  out.state_size = width;
  out.states.resize(T * width);
  std::size_t at = 0;
  for (std::size_t b = 0; b < blocks.blocks(); ++b) {
    const auto [first_run, end_run] = blocks.items_of(b);
    const std::size_t block_width = (end_run - first_run) * spec.states_per_run;
    add_header(&all[at], out.statistics);
    for (std::size_t k = 0; k < T; ++k)
      std::copy(&all[at + kHeader + k * block_width], &all[at + kHeader + (k + 1) * block_width],
                &out.states[k * width + first_run * spec.states_per_run]);
    at += kHeader + T * block_width;
  }
  out.valid_rows = T;
  out.time_reached = spec.output_times.back();
  return out;
}

}  // namespace neurode::app
