#include "setup/trajectory_output.hpp"

#include <stdexcept>

namespace neurode::setup {

using io::Hdf5File;

void write_trajectory(Hdf5File& file, const solvers::Solution& solution, std::size_t populations,
                      std::size_t trials, const std::vector<std::string>& variables) {
  if (!solution.ok()) throw std::logic_error("write_trajectory: refusing to write a failed solution");
  const std::size_t T = solution.times.size();
  const std::size_t n = populations;
  file.write("/trajectory/t", solution.times);
  file.set_attribute("/trajectory/t", "units", "s");
  for (const auto& name : variables) {
    const std::size_t block = name == "V" ? 0 : name == "a" ? 1 : name == "r" ? 2 : 3;
    if (block == 3) throw std::invalid_argument("unknown trajectory variable '" + name + "'");
    std::vector<double> data(trials * T * n);
    for (std::size_t b = 0; b < trials; ++b)
      for (std::size_t k = 0; k < T; ++k)
        for (std::size_t i = 0; i < n; ++i)
          data[(b * T + k) * n + i] = solution.state(k)[b * 3 * n + block * n + i];
    const std::vector<std::size_t> shape =
        trials == 1 ? std::vector<std::size_t>{T, n} : std::vector<std::size_t>{trials, T, n};
    const std::string path = "/trajectory/" + name;
    file.write(path, shape, data.data());
    file.set_attribute(path, "units", name == "r" ? "Hz" : "mV");
    file.set_attribute(path, "layout", trials == 1 ? "time x population" : "trial x time x population");
  }
  file.set_attribute("/trajectory", "population_index",
                     "8 * column + population (0 L2/3e, 1 L2/3i, 2 L4e, 3 L4i, 4 L5e, 5 L5i, 6 L6e, 7 L6i)");
}

void write_solver_statistics(Hdf5File& file, const std::string& group, const solvers::Solution& solution) {
  file.create_group(group);
  const auto& s = solution.statistics;
  file.set_attribute(group, "method", solution.method);
  file.set_attribute(group, "status", solvers::to_string(solution.status));
  file.set_attribute(group, "steps", static_cast<double>(s.steps));
  file.set_attribute(group, "rejected_steps", static_cast<double>(s.rejected_steps));
  file.set_attribute(group, "rhs_evaluations", static_cast<double>(s.rhs_evaluations));
  file.set_attribute(group, "jacobian_evaluations", static_cast<double>(s.jacobian_evaluations));
  file.set_attribute(group, "nonlinear_iterations", static_cast<double>(s.nonlinear_iterations));
  file.set_attribute(group, "linear_iterations", static_cast<double>(s.linear_iterations));
  file.set_attribute(group, "wall_time_s", s.wall_time_s);
}

}  // namespace neurode::setup
