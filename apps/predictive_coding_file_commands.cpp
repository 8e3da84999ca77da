// neurode simulate / gradient --network FILE.h5 for a predictive-coding network file (the layout of
// ../shared/reference/vision/): the trajectory of every level, the read-out and, for gradient, the
// cross-entropy's gradient with respect to every weight, the read-out and the rates.
#include <cstdio>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "gradient_output.hpp"
#include "io/hdf5_file.hpp"
#include "io/provenance.hpp"
#include "models/predictive_coding/pc_network_file.hpp"
#include "models/predictive_coding/predictive_coding.hpp"
#include "predictive_coding_file_commands.hpp"
#include "setup/trajectory_output.hpp"
#include "solvers/gradient.hpp"
#include "train/classification_readout.hpp"

namespace neurode::app {
namespace {

// Reference-grade defaults, as for the column network files: adaptive Dormand-Prince at
// rtol = atol = 1e-10 (PETSc options override).
solvers::SolverSettings tight_solver() {
  solvers::SolverSettings solver;
  solver.method = "dopri5";
  solver.adaptive = true;
  solver.rtol = solver.atol = 1e-10;
  solver.dt = 1e-3;
  return solver;
}

train::ClassificationReadout readout_of(const models::PredictiveCodingFile& net,
                                        const models::PredictiveCoding& model) {
  return train::ClassificationReadout(train::top_component_features(model.state_layout(), net.mean_pool),
                                      net.classes, {net.label}, net.readout, net.times.size() - 1);
}

void write_readout(io::Hdf5File& file, const train::ClassificationReadout& readout,
                   const double* final_state) {
  file.write("/trajectory/readout_input", readout.features(final_state, 0));
  const auto logits = readout.logits(final_state, 0);
  file.write("/trajectory/logits", logits);
}

}  // namespace

int simulate_predictive_coding_file(const CommandLine& cl, const std::string& output) {
  const models::PredictiveCodingFile net = models::load_predictive_coding_file(cl.network);
  models::PredictiveCoding model(net.spec, net.image);
  model.set_parameters(net.parameters);
  on_root_for_all([&] {
    solvers::Integrator integrator(model, tight_solver());
    const solvers::Solution solution =
        integrator.solve(0.0, std::vector<double>(model.state_size(), 0.0), net.times);
    throw_unless_solved(solution);
    const auto readout = readout_of(net, model);
    io::AtomicOutput out(output);
    auto& file = out.file();
    const auto layout = model.state_layout();
    setup::write_trajectory(file, solution, layout, 1, layout.names());
    write_readout(file, readout, solution.state(net.times.size() - 1));
    setup::write_solver_statistics(file, "/solver", solution);
    file.write_string("/config/text", "network file: " + cl.network);
    io::write_provenance(file, io::current_provenance(cl.text));
    out.commit();
    const auto& s = solution.statistics;
    std::printf(
        "neurode simulate: %s\n  predictive coding, %zu levels: %ld steps (%ld rejected), %ld RHS "
        "evaluations, %.3f s\n  wrote %s\n",
        solution.method.c_str(), net.spec.levels.size(), s.steps, s.rejected_steps, s.rhs_evaluations,
        s.wall_time_s, output.c_str());
  });
  return 0;
}

int gradient_predictive_coding_file(const CommandLine& cl) {
  const models::PredictiveCodingFile net = models::load_predictive_coding_file(cl.network);
  models::PredictiveCoding model(net.spec, net.image);
  model.set_parameters(net.parameters);
  const auto readout = readout_of(net, model);
  solvers::GradientSettings settings;
  settings.method = solvers::parse_gradient_method(cl.gradient);
  settings.checkpoint_every = cl.checkpoint_every;
  settings.adjoint_solver = tight_solver();
  on_root_for_all([&] {
    solvers::GradientSolver gradient(model, tight_solver(), settings);
    const auto result =
        gradient.compute(0.0, std::vector<double>(model.state_size(), 0.0), net.times, readout);
    throw_unless_solved(result.forward);
    io::AtomicOutput out(cl.output);
    auto& file = out.file();
    file.write_scalar("/gradient/loss", result.loss());
    // One row (the model sums over its trials): the weights, k1, k2, alpha, then A and b.
    const std::vector<double> g = result.summed_gradient();
    const auto shapes = model.shapes();
    std::size_t at = 0;
    for (std::size_t l = 1; l <= net.spec.levels.size(); ++l) {
      const auto& lower = shapes[l - 1];
      const auto& upper = shapes[l];
      const auto& level = net.spec.levels[l - 1];
      const std::vector<std::size_t> shape =
          level.kind == models::LevelSpec::Kind::dense
              ? std::vector<std::size_t>{lower.size(), upper.size()}
              : std::vector<std::size_t>{upper.channels, lower.channels, level.kernel, level.kernel};
      const std::size_t n = models::weight_count(net.spec, shapes, l);
      file.write("/gradient/dL_d" + models::weight_name(net.spec, l), shape, g.data() + at);
      at += n;
    }
    for (const char* rate : {"k1", "k2", "alpha"})
      file.write_scalar(std::string("/gradient/dL_d") + rate, g[at++]);
    const std::size_t features = net.readout.size() / net.classes - 1;
    file.write("/gradient/dL_dA", {net.classes, features}, g.data() + at);
    file.write("/gradient/dL_db", {net.classes}, g.data() + at + net.classes * features);
    write_readout(file, readout, result.forward.state(net.times.size() - 1));
    write_gradient_context(file, result, model.state_layout(), cl);
    out.commit();
    print_gradient_summary(result, cl.output);
  });
  return 0;
}

}  // namespace neurode::app
