#include "setup/trajectory_output.hpp"

#include <stdexcept>

namespace neurode::setup {

using io::Hdf5File;

void write_trajectory(Hdf5File& file, const solvers::Solution& solution, const models::StateLayout& layout,
                      std::size_t trials, const std::vector<std::string>& variables) {
  if (!solution.ok()) throw std::logic_error("write_trajectory: refusing to write a failed solution");
  const std::size_t T = solution.times.size();
  const std::size_t trial_size = layout.trial_size();
  file.write("/trajectory/t", solution.times);
  file.set_attribute("/trajectory/t", "units", "s");
  for (const auto& name : variables) {
    const std::size_t c = layout.find(name);
    const models::StateComponent& component = layout.components[c];
    const std::size_t n = component.size(), offset = layout.offset(c);
    std::vector<double> data(trials * T * n);
    for (std::size_t b = 0; b < trials; ++b)
      for (std::size_t k = 0; k < T; ++k)
        for (std::size_t i = 0; i < n; ++i)
          data[(b * T + k) * n + i] = solution.state(k)[b * trial_size + offset + i];
    std::vector<std::size_t> shape;
    if (trials > 1) shape.push_back(trials);
    shape.push_back(T);
    shape.insert(shape.end(), component.shape.begin(), component.shape.end());
    const std::string path = "/trajectory/" + name;
    file.write(path, shape, data.data());
    if (!component.units.empty()) file.set_attribute(path, "units", component.units);
    file.set_attribute(path, "layout",
                       std::string(trials > 1 ? "trial x " : "") + "time x " + component.axis);
    file.set_attribute(path, "index", component.axis + " = " + component.index);
  }
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
