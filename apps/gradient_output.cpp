#include "gradient_output.hpp"

#include <sys/resource.h>

#include <cstdio>

#include "io/provenance.hpp"
#include "setup/trajectory_output.hpp"

namespace neurode::app {

void write_gradient_context(io::Hdf5File& file, const solvers::GradientResult& result,
                            const models::StateLayout& layout, const CommandLine& cl) {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  file.set_attribute("/gradient", "method", result.method);
  file.set_attribute("/gradient", "backward_wall_time_s", result.backward_wall_time_s);
  file.set_attribute("/gradient", "backward_steps", static_cast<double>(result.backward_steps));
  file.set_attribute("/gradient", "trajectory_bytes", static_cast<double>(result.trajectory_bytes));
  file.set_attribute("/gradient", "peak_resident_memory_bytes",
                     static_cast<double>(usage.ru_maxrss) * 1024.0);
  setup::write_trajectory(file, result.forward, layout, 1, layout.names());
  setup::write_solver_statistics(file, "/solver", result.forward);
  file.write_string("/config/text", "network file: " + cl.network);
  io::write_provenance(file, io::current_provenance(cl.text));
}

void print_gradient_summary(const solvers::GradientResult& result, const std::string& output) {
  std::printf("neurode gradient: %s\n  loss %.15g; forward %.3f s, backward %.3f s\n  wrote %s\n",
              result.method.c_str(), result.loss(), result.forward.statistics.wall_time_s,
              result.backward_wall_time_s, output.c_str());
}

}  // namespace neurode::app
