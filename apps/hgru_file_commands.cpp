// neurode simulate / gradient --network FILE.h5 for an hGRU network file (the layout of
// ../shared/reference/vision/hgru.h5): the trajectory of H2 and of H1 (computed from H2 at each
// output time), the read-out and, for gradient, the cross-entropy's gradient with respect to every
// parameter (W entry by entry, and for the symmetric parameterisation W = (V + V^T)/2 at V = W),
// tau and the read-out.
#include <cstdio>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "gradient_output.hpp"
#include "hgru_file_commands.hpp"
#include "io/hdf5_file.hpp"
#include "io/provenance.hpp"
#include "models/hgru/hgru.hpp"
#include "models/hgru/hgru_network_file.hpp"
#include "setup/trajectory_output.hpp"
#include "solvers/gradient.hpp"
#include "train/classification_readout.hpp"

namespace neurode::app {
namespace {

// Reference-grade defaults, as for the other network files: adaptive Dormand-Prince at
// rtol = atol = 1e-10 (PETSc options override).
solvers::SolverSettings tight_solver() {
  solvers::SolverSettings solver;
  solver.method = "dopri5";
  solver.adaptive = true;
  solver.rtol = solver.atol = 1e-10;
  solver.dt = 1e-3;
  return solver;
}

train::ClassificationReadout readout_of(const models::HgruFile& net, const models::Hgru& model) {
  return train::ClassificationReadout(train::top_component_features(model.state_layout(), true), net.classes,
                                      {net.label}, net.readout, net.times.size() - 1);
}

void write_readout(io::Hdf5File& file, const train::ClassificationReadout& readout,
                   const double* final_state) {
  file.write("/trajectory/readout_input", readout.features(final_state, 0));
  file.write("/trajectory/logits", readout.logits(final_state, 0));
}

std::vector<std::size_t> with_times(std::size_t times, const models::HgruSpec& s) {
  return {times, s.channels, s.height, s.width};
}

}  // namespace

int simulate_hgru_file(const CommandLine& cl, const std::string& output) {
  const models::HgruFile net = models::load_hgru_file(cl.network);
  models::Hgru model(net.spec, net.drive);
  model.set_parameters(net.parameters);
  on_root_for_all([&] {
    solvers::Integrator integrator(model, tight_solver());
    const solvers::Solution solution =
        integrator.solve(0.0, std::vector<double>(model.state_size(), 0.0), net.times);
    throw_unless_solved(solution);
    const auto readout = readout_of(net, model);
    std::vector<double> h1;
    for (std::size_t k = 0; k < net.times.size(); ++k) {
      const auto at = model.h1(solution.state(k));
      h1.insert(h1.end(), at.begin(), at.end());
    }
    io::AtomicOutput out(output);
    auto& file = out.file();
    const auto layout = model.state_layout();
    setup::write_trajectory(file, solution, layout, 1, layout.names());
    file.write("/trajectory/H1", with_times(net.times.size(), net.spec), h1.data());
    write_readout(file, readout, solution.state(net.times.size() - 1));
    setup::write_solver_statistics(file, "/solver", solution);
    file.write_string("/config/text", "network file: " + cl.network);
    io::write_provenance(file, io::current_provenance(cl.text));
    out.commit();
    const auto& s = solution.statistics;
    std::printf(
        "neurode simulate: %s\n  hGRU, %zu channels, %zux%zu: %ld steps (%ld rejected), %ld RHS "
        "evaluations, %.3f s\n  wrote %s\n",
        solution.method.c_str(), net.spec.channels, net.spec.height, net.spec.width, s.steps,
        s.rejected_steps, s.rhs_evaluations, s.wall_time_s, output.c_str());
  });
  return 0;
}

int gradient_hgru_file(const CommandLine& cl) {
  const models::HgruFile net = models::load_hgru_file(cl.network);
  models::Hgru model(net.spec, net.drive);
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
    // One row (the model sums over its trials): the hGRU's parameters, then A and b.
    const std::vector<double> g = result.summed_gradient();
    for (const auto& a : models::hgru_parameter_arrays(net.spec)) {
      if (a.shape.empty())
        file.write_scalar("/gradient/dL_d" + a.name, g[a.offset]);
      else
        file.write("/gradient/dL_d" + a.name, a.shape, g.data() + a.offset);
    }
    // The symmetric parameterisation W = (V + V^T)/2 at V = W: (dL_dW + dL_dW^T)/2.
    const std::size_t C = net.spec.channels, k = net.spec.kernel;
    file.write("/gradient/dL_dV_sym", {C, C, k, k}, models::symmetrised_kernel(g.data(), C, k).data());
    const std::size_t at = model.parameter_size();
    file.write("/gradient/dL_dA", {net.classes, C}, g.data() + at);
    file.write("/gradient/dL_db", {net.classes}, g.data() + at + net.classes * C);
    write_readout(file, readout, result.forward.state(net.times.size() - 1));
    write_gradient_context(file, result, model.state_layout(), cl);
    out.commit();
    print_gradient_summary(result, cl.output);
  });
  return 0;
}

}  // namespace neurode::app
