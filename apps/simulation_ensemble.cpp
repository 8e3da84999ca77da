#include "simulation_ensemble.hpp"

#include <chrono>
#include <cstdio>
#include <new>

#include "commands.hpp"
#include "io/hdf5_file.hpp"
#include "mpi/block_parallel.hpp"
#include "mpi/interruption.hpp"
#include "mpi/world.hpp"
#include "setup/ensemble_output.hpp"
#include "solvers/integrator.hpp"

namespace neurode::app {
namespace {

// A long ensemble says how far it is, every 10 s, from rank 0's share of the blocks (the ranks'
// shares are equal to within one block).
class ProgressReport {
 public:
  explicit ProgressReport(bool on) : on_(on) {}
  void block_done(std::size_t done, std::size_t of) {
    const auto now = std::chrono::steady_clock::now();
    if (!on_ || now - last_ < std::chrono::seconds(10) || done == of) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    std::printf("neurode simulate: %zu of %zu blocks on rank 0 done, about %.0f s left\n", done, of,
                elapsed * static_cast<double>(of - done) / static_cast<double>(done));
    std::fflush(stdout);
  }

 private:
  bool on_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_ = start_;
};

std::vector<double> initial_states(const EnsembleSpec& spec, std::size_t runs) {
  std::vector<double> y0;
  y0.reserve(runs * spec.initial_state.size());
  for (std::size_t r = 0; r < runs; ++r)
    y0.insert(y0.end(), spec.initial_state.begin(), spec.initial_state.end());
  return y0;
}

// What went wrong with a block, for the agreement of the ranks: the kind (its first character)
// decides what every rank throws.
enum Kind : char { kIntegration = 'I', kOutput = 'O', kMemory = 'M', kInternal = 'X' };
std::string failure(Kind kind, const std::string& message) { return std::string(1, kind) + message; }

}  // namespace

EnsembleSummary simulate_ensemble(const EnsembleSpec& spec, const std::string& output,
                                  const std::string& command_line, MPI_Comm comm, bool quiet) {
  const mpi::BlockParallel blocks(spec.runs, spec.block_size, comm);
  const bool talk = !quiet && mpi::is_root(comm);

  // 1. The method, on every rank (a bad PETSc option fails them all here, together, before any
  //    file exists): it is part of what a partial file must match to be resumed.
  EnsembleSummary summary;
  summary.blocks = blocks.blocks();
  if (spec.block_solve) {
    summary.method = spec.block_solve_method;
  } else {
    const auto [first, end] = blocks.items_of(0);
    auto model = spec.block_model(first, end - first);
    summary.method = solvers::Integrator(*model, spec.solver).method_description();
  }

  // 2. The file: resumed, or made afresh with every dataset at its final shape.
  setup::EnsembleShape shape;
  shape.layout = spec.layout;
  shape.variables = spec.variables;
  shape.times = spec.output_times;
  shape.runs = spec.runs;
  shape.realisations = spec.realisations;
  shape.block_size = blocks.items_of(0).second;  // the block size BlockParallel uses
  shape.config_text = spec.config_text;
  shape.method = summary.method;
  setup::EnsembleOutput out(output, std::move(shape), comm);
  summary.blocks_resumed = out.blocks_done_at_start();
  if (talk && !out.notice().empty()) {
    std::printf("neurode simulate: %s\n", out.notice().c_str());
    std::fflush(stdout);
  }

  // 3. This rank's blocks not done yet, each written as soon as it is integrated and then
  //    dropped. A failure or a signal ends this rank's blocks; the ranks then agree.
  solvers::SolverSettings solver = spec.solver;
  if (talk) solver.progress_every_s = 10;
  std::string local_failure;
  long finished = 0;
  std::size_t to_do = 0;
  for (std::size_t b = blocks.first_block(); b < blocks.end_block(); ++b) to_do += out.block_done(b) ? 0 : 1;
  ProgressReport progress(talk);
  for (std::size_t b = blocks.first_block(); b < blocks.end_block() && local_failure.empty(); ++b) {
    if (out.block_done(b)) continue;
    if (mpi::interruption_requested()) break;  // every rank stops at the agreement below
    const auto [first_run, end_run] = blocks.items_of(b);
    const std::size_t count = end_run - first_run;
    const std::string which = count == 1 ? "run " + spec.describe_run(first_run)
                                         : "runs " + spec.describe_run(first_run) + " to " +
                                               spec.describe_run(end_run - 1) + " (one block)";
    try {
      solvers::Solution s;
      if (spec.block_solve) {
        s = spec.block_solve(first_run, count, initial_states(spec, count));
      } else {
        auto model = spec.block_model(first_run, count);
        solvers::Integrator integrator(*model, solver);
        s = integrator.solve(spec.t_start, initial_states(spec, count), spec.output_times);
      }
      if (!s.ok()) {
        local_failure = failure(kIntegration, which + ": " + s.message);
        break;
      }
      out.write_block(b, s);
    } catch (const io::NonFiniteResult& e) {
      local_failure = failure(kIntegration, which + ": " + e.what());
    } catch (const io::OutputError& e) {
      local_failure = failure(kOutput, e.what());
    } catch (const std::bad_alloc&) {
      local_failure = failure(kMemory, "");
    } catch (const std::exception& e) {
      local_failure = failure(kInternal, e.what());
    }
    if (!local_failure.empty()) break;
    ++finished;
    progress.block_done(static_cast<std::size_t>(finished), to_do);
  }

  // 4. Agreement. What is kept is every finished block, whichever run finished it.
  MPI_Allreduce(MPI_IN_PLACE, &finished, 1, MPI_LONG, MPI_SUM, comm);
  const std::size_t kept = summary.blocks_resumed + static_cast<std::size_t>(finished);
  const std::string what_is_kept = kept == 0 ? "; nothing was written"
                                             : "; the " + std::to_string(kept) + " finished block(s) of " +
                                                   std::to_string(summary.blocks) + " are kept in " +
                                                   out.partial_path() + ": rerun the same command to resume";
  std::string agreed;
  try {
    agreed = mpi::agreed_failure(local_failure, comm, what_is_kept);
  } catch (const mpi::Interrupted&) {
    kept == 0 ? out.discard() : out.keep();
    throw;
  }
  if (!agreed.empty()) {
    const char kind = agreed[0];
    const std::string message = agreed.substr(1);
    // A failed block fails again when rerun: its partial file is of no use.
    if (kind == kIntegration) {
      out.discard();
      throw IntegrationFailure(message);
    }
    kept == 0 ? out.discard() : out.keep();
    if (kind == kOutput) throw io::OutputError(message + what_is_kept);
    if (kind == kMemory) throw std::bad_alloc();
    throw std::runtime_error(message);
  }

  // 5. Complete: statistics, config and provenance, then the rename into place.
  summary.statistics = out.commit(command_line);
  return summary;
}

}  // namespace neurode::app
