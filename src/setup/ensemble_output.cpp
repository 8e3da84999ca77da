#include "setup/ensemble_output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <new>
#include <optional>
#include <stdexcept>

#include "io/config_identity.hpp"
#include "io/hdf5_file.hpp"
#include "io/metadata_journal.hpp"
#include "mpi/world.hpp"
#include "setup/trajectory_output.hpp"

namespace neurode::setup {
namespace {

using io::ParallelHdf5File;
using Element = io::ParallelHdf5File::Element;

// Per block: steps, rejected steps, RHS, Jacobian evaluations, nonlinear and linear iterations,
// wall time (SolverStatistics in that order).
constexpr std::size_t kStatistics = 7;
// A chunk holds the rows of one block at all output times, unless that is more than this (HDF5
// allows 4 GiB): then the block's rows span several chunks along the time axis.
constexpr std::size_t kMaxChunkBytes = std::size_t{256} << 20;

bool batched(const EnsembleShape& s) { return s.runs > 1; }

std::vector<std::size_t> dataset_shape(const EnsembleShape& s, const models::StateComponent& c) {
  std::vector<std::size_t> shape;
  if (batched(s)) shape.push_back(s.runs);
  shape.push_back(s.times.size());
  shape.insert(shape.end(), c.shape.begin(), c.shape.end());
  return shape;
}

std::vector<std::size_t> chunk_shape(const EnsembleShape& s, const models::StateComponent& c) {
  const std::size_t row_bytes = std::max<std::size_t>(c.size(), 1) * sizeof(double);
  const std::size_t rows =
      batched(s) ? std::clamp<std::size_t>(kMaxChunkBytes / row_bytes, 1, std::min(s.block_size, s.runs)) : 1;
  const std::size_t times = std::clamp<std::size_t>(kMaxChunkBytes / (rows * row_bytes), 1, s.times.size());
  std::vector<std::size_t> chunk;
  if (batched(s)) chunk.push_back(rows);
  chunk.push_back(times);
  chunk.insert(chunk.end(), c.shape.begin(), c.shape.end());
  return chunk;
}

std::string component_path(const std::string& name) { return "/trajectory/" + name; }

// Runs `work` on every rank of `comm` (or on rank 0 alone), then every rank throws what the lowest
// rank that failed threw: io::OutputError as itself, anything else as std::runtime_error (an
// internal error), std::bad_alloc as itself. A failure seen by one rank fails all of them together.
void together(MPI_Comm comm, bool root_only, const std::function<void()>& work) {
  std::string failure;
  if (!root_only || mpi::is_root(comm)) {
    try {
      work();
    } catch (const io::OutputError& e) {
      failure = std::string("O") + e.what();
    } catch (const std::bad_alloc&) {
      failure = "M";
    } catch (const std::exception& e) {
      failure = std::string("X") + e.what();
    }
  }
  failure = mpi::first_message(failure, comm);
  if (failure.empty()) return;
  if (failure[0] == 'O') throw io::OutputError(failure.substr(1));
  if (failure[0] == 'M') throw std::bad_alloc();
  throw std::runtime_error(failure.substr(1));
}

void sync_file(const std::string& path, const std::string& name) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  const bool ok = fd >= 0 && ::fsync(fd) == 0;
  const std::string reason = ok ? "" : std::strerror(errno);
  if (fd >= 0) ::close(fd);
  if (!ok) throw io::OutputError(name + ": cannot sync the file: " + reason);
}

// The flags of every block of `partial` when it is this ensemble's (the same config text and
// method, every dataset of the expected shape), nullopt when it is another's; throws when it
// cannot be read (damaged).
std::optional<std::vector<unsigned char>> read_progress(const std::string& partial, const EnsembleShape& s) {
  const io::Hdf5File f(partial, io::Hdf5File::Mode::read);
  if (!io::same_config(f.read_string_attribute("/progress", "config_text"), s.config_text) ||
      f.read_string_attribute("/progress", "method") != s.method)
    return std::nullopt;
  for (const auto& name : s.variables)
    if (f.shape(component_path(name)) != dataset_shape(s, s.layout.components[s.layout.find(name)]))
      return std::nullopt;
  if (f.read("/trajectory/t").values != s.times) return std::nullopt;
  if (f.shape("/progress/done") != std::vector<std::size_t>{s.runs} ||
      f.shape("/progress/statistics") != std::vector<std::size_t>{s.blocks(), kStatistics})
    return std::nullopt;
  const io::Array done = f.read("/progress/done");
  std::vector<unsigned char> blocks(s.blocks(), 0);
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    const auto [first, end] = s.runs_of(b);
    blocks[b] = std::all_of(done.values.begin() + static_cast<std::ptrdiff_t>(first),
                            done.values.begin() + static_cast<std::ptrdiff_t>(end),
                            [](double flag) { return flag == 1.0; });
  }
  return blocks;
}

std::string count_of(std::size_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

}  // namespace

std::pair<std::size_t, std::size_t> EnsembleShape::runs_of(std::size_t b) const {
  const std::size_t begin = b * block_size;
  return {begin, std::min(runs, begin + block_size)};
}

EnsembleOutput::EnsembleOutput(const std::string& output, EnsembleShape shape, MPI_Comm comm)
    : output_(output),
      partial_(output + ".partial"),
      journal_(partial_ + ".journal"),
      shape_(std::move(shape)),
      comm_(comm),
      done_(shape_.blocks(), 0) {
  if (shape_.block_size == 0 || shape_.runs == 0) throw std::logic_error("EnsembleOutput: no runs or blocks");
  // 1. Rank 0 looks at what an earlier run left: a journal (its completion was cut short: undone
  //    first), a partial file to resume or to set aside.
  int resume = 0;
  together(comm_, true, [&] {
    io::require_writable_directory(output_);
    io::remove_abandoned_temporaries(output_);
    io::remove_abandoned_temporaries(journal_);
    std::error_code error;
    std::string problem;
    bool other_config = false;
    if (std::filesystem::exists(journal_, error)) {
      if (std::filesystem::exists(partial_, error)) {
        try {
          io::restore_metadata_journal(partial_, journal_);
        } catch (const io::Hdf5Error& e) {
          problem = e.what();
        }
      }
      std::filesystem::remove(journal_, error);
    }
    if (!std::filesystem::exists(partial_, error)) return;
    if (problem.empty()) {
      try {
        if (auto flags = read_progress(partial_, shape_)) {
          done_ = std::move(*flags);
          resume = 1;
          notice_ = "resuming " + partial_ + ": " + std::to_string(blocks_done_at_start()) + " of " +
                    count_of(shape_.blocks(), "block") + " done";
          return;
        }
        problem = "it is for another config or solver";
        other_config = true;
      } catch (const std::exception& e) {
        problem = e.what();
      }
    }
    const std::string aside = partial_ + (other_config ? ".other-config" : ".damaged");
    std::filesystem::rename(partial_, aside, error);
    if (error) std::filesystem::remove(partial_, error);
    notice_ = partial_ + " cannot be resumed (" + problem + "); " +
              (error ? "removed" : "set aside as " + aside) + ", starting afresh";
  });
  MPI_Bcast(&resume, 1, MPI_INT, 0, comm_);
  MPI_Bcast(done_.data(), static_cast<int>(done_.size()), MPI_UNSIGNED_CHAR, 0, comm_);

  // 2. A new file, made collectively under a temporary name (FINAL.tmpPID of rank 0, removed by
  //    the next run should this one be killed) and renamed to OUT.h5.partial only once complete.
  if (!resume) {
    int root_pid = static_cast<int>(::getpid());
    MPI_Bcast(&root_pid, 1, MPI_INT, 0, comm_);
    const std::string temporary = output_ + ".tmp" + std::to_string(root_pid);
    try {
      together(comm_, false, [&] {
        const std::size_t T = shape_.times.size();
        ParallelHdf5File f(temporary, ParallelHdf5File::Mode::create, comm_, output_);
        for (const char* group : {"/trajectory", "/solver", "/config", "/provenance", "/progress"})
          f.create_group(group);
        f.create_dataset("/trajectory/t", Element::float64, {T});
        f.set_attribute("/trajectory/t", "units", "s");
        for (const auto& name : shape_.variables) {
          const models::StateComponent& c = shape_.layout.components[shape_.layout.find(name)];
          const std::string path = component_path(name);
          f.create_dataset(path, Element::float64, dataset_shape(shape_, c), chunk_shape(shape_, c));
          if (!c.units.empty()) f.set_attribute(path, "units", c.units);
          f.set_attribute(path, "layout",
                          std::string(batched(shape_) ? "trial x " : "") + "time x " + c.axis);
          f.set_attribute(path, "index", c.axis + " = " + c.index);
        }
        const bool labelled = shape_.realisations > 1;
        if (labelled) {
          f.create_dataset("/trajectory/trial", Element::float64, {shape_.runs});
          f.create_dataset("/trajectory/realisation", Element::float64, {shape_.runs});
        }
        f.create_dataset("/progress/done", Element::uint8, {shape_.runs});
        f.create_dataset("/progress/statistics", Element::float64, {shape_.blocks(), kStatistics});
        f.set_attribute("/progress", "config_text", shape_.config_text);
        f.set_attribute("/progress", "method", shape_.method);
        f.set_attribute("/progress", "about",
                        "an unfinished neurode simulate: done = 1 marks the runs whose rows are written; "
                        "rerun the same command to finish it (this group is removed then)");
        if (mpi::is_root(comm_)) {
          f.write("/trajectory/t", {0}, {T}, shape_.times.data());
          if (labelled) {
            // Which trial and which Wiener path each run (the trajectories' first index) is.
            std::vector<double> trial, realisation;
            for (std::size_t run = 0; run < shape_.runs; ++run) {
              trial.push_back(static_cast<double>(run / shape_.realisations));
              realisation.push_back(static_cast<double>(run % shape_.realisations));
            }
            f.write("/trajectory/trial", {0}, {shape_.runs}, trial.data());
            f.write("/trajectory/realisation", {0}, {shape_.runs}, realisation.data());
          }
          const std::vector<unsigned char> none(shape_.runs, 0);
          f.write("/progress/done", {0}, {shape_.runs}, none.data());
          const std::vector<double> zeros(shape_.blocks() * kStatistics, 0.0);
          f.write("/progress/statistics", {0, 0}, {shape_.blocks(), kStatistics}, zeros.data());
        }
        f.close();
      });
      together(comm_, true, [&] {
        std::error_code error;
        std::filesystem::rename(temporary, partial_, error);
        if (error) throw io::OutputError(output_ + ": cannot make " + partial_ + ": " + error.message());
      });
    } catch (...) {
      if (mpi::is_root(comm_)) std::remove(temporary.c_str());
      throw;
    }
  }
  open_for_blocks();
}

EnsembleOutput::~EnsembleOutput() { close_quietly(); }

std::size_t EnsembleOutput::blocks_done_at_start() const {
  return static_cast<std::size_t>(std::count(done_.begin(), done_.end(), 1));
}

std::vector<std::string> EnsembleOutput::raw_datasets() const {
  std::vector<std::string> names;
  for (const auto& name : shape_.variables) names.push_back(component_path(name));
  names.push_back("/progress/done");
  names.push_back("/progress/statistics");
  return names;
}

void EnsembleOutput::open_for_blocks() {
  together(comm_, false, [&] {
    file_ = std::make_unique<ParallelHdf5File>(partial_, ParallelHdf5File::Mode::update, comm_, output_);
    for (const auto& name : raw_datasets()) file_->open_dataset(name);
  });
}

void EnsembleOutput::write_block(std::size_t b, const solvers::Solution& solution) {
  const auto [first, end] = shape_.runs_of(b);
  const std::size_t runs = end - first, T = shape_.times.size(), width = shape_.layout.trial_size();
  if (solution.state_size != runs * width || solution.valid_rows < T)
    throw std::logic_error("EnsembleOutput: block " + std::to_string(b) + " has the wrong shape");
  for (std::size_t i = 0; i < T * solution.state_size; ++i)
    if (!std::isfinite(solution.states[i]))
      throw io::NonFiniteResult(output_ + ": block " + std::to_string(b) +
                                " would hold a non-finite value (" + std::to_string(solution.states[i]) +
                                " at output " + std::to_string(i / solution.state_size) + ")");
  // 1. The rows, one component at a time (runs x times x component).
  std::vector<double> rows;
  for (const auto& name : shape_.variables) {
    const std::size_t c = shape_.layout.find(name);
    const models::StateComponent& component = shape_.layout.components[c];
    const std::size_t n = component.size(), offset = shape_.layout.offset(c);
    rows.resize(runs * T * n);
    for (std::size_t r = 0; r < runs; ++r)
      for (std::size_t k = 0; k < T; ++k)
        std::copy_n(solution.state(k) + r * width + offset, n, &rows[(r * T + k) * n]);
    std::vector<std::size_t> start, count;
    if (batched(shape_)) {
      start.push_back(first);
      count.push_back(runs);
    }
    start.push_back(0);
    count.push_back(T);
    for (std::size_t extent : component.shape) {
      start.push_back(0);
      count.push_back(extent);
    }
    file_->write(component_path(name), start, count, rows.data());
  }
  // 2. Its statistics, 3. then its flags: a run is flagged only once all of its rows are written.
  const auto& st = solution.statistics;
  const double statistics[kStatistics] = {static_cast<double>(st.steps),
                                          static_cast<double>(st.rejected_steps),
                                          static_cast<double>(st.rhs_evaluations),
                                          static_cast<double>(st.jacobian_evaluations),
                                          static_cast<double>(st.nonlinear_iterations),
                                          static_cast<double>(st.linear_iterations),
                                          st.wall_time_s};
  file_->write("/progress/statistics", {b, 0}, {1, kStatistics}, statistics);
  const std::vector<unsigned char> flags(runs, 1);
  file_->write("/progress/done", {first}, {runs}, flags.data());
}

solvers::SolverStatistics EnsembleOutput::commit(const std::string& command_line) {
  together(comm_, false, [&] {
    auto file = std::move(file_);
    file->close();
  });
  double totals[kStatistics] = {};
  together(comm_, true, [&] {
    // Everything from here on changes the structure of a file that holds every run: the journal
    // makes it undoable, so that a process killed in the middle costs no run (a rerun restores the
    // file and completes it again).
    // Only the trajectories' storage is left out of the journal: /progress is unlinked below, and
    // HDF5 may put new metadata where its flags and statistics were.
    std::vector<std::string> trajectories;
    for (const auto& name : shape_.variables) trajectories.push_back(component_path(name));
    io::save_metadata_journal(partial_, trajectories, journal_);
    {
      io::Hdf5File f(partial_, io::Hdf5File::Mode::update, output_);
      const io::Array rows = f.read("/progress/statistics");
      solvers::Solution summary;
      summary.method = shape_.method;
      auto& s = summary.statistics;
      for (std::size_t b = 0; b < shape_.blocks(); ++b) {  // in block order, as the rows lie
        const double* row = &rows.values[b * kStatistics];
        s.steps += static_cast<long>(row[0]);
        s.rejected_steps += static_cast<long>(row[1]);
        s.rhs_evaluations += static_cast<long>(row[2]);
        s.jacobian_evaluations += static_cast<long>(row[3]);
        s.nonlinear_iterations += static_cast<long>(row[4]);
        s.linear_iterations += static_cast<long>(row[5]);
        s.wall_time_s += row[6];
      }
      f.remove("/progress");
      write_solver_statistics(f, "/solver", summary);
      f.write_string("/config/text", shape_.config_text);
      io::Provenance provenance = io::current_provenance(command_line);
      provenance.mpi_ranks = mpi::size(comm_);  // the ranks that made this file, not all of MPI's
      io::write_provenance(f, provenance);
      f.close();
      const double values[kStatistics] = {static_cast<double>(s.steps),
                                          static_cast<double>(s.rejected_steps),
                                          static_cast<double>(s.rhs_evaluations),
                                          static_cast<double>(s.jacobian_evaluations),
                                          static_cast<double>(s.nonlinear_iterations),
                                          static_cast<double>(s.linear_iterations),
                                          s.wall_time_s};
      std::copy(values, values + kStatistics, totals);
    }
    // On disk before the rename makes it the result (after a crash of the node the name would
    // otherwise point at a file with holes).
    sync_file(partial_, output_);
    std::error_code error;
    std::filesystem::rename(partial_, output_, error);
    if (error)
      throw io::OutputError(output_ + ": cannot move the finished file into place: " + error.message());
    std::filesystem::remove(journal_, error);
  });
  MPI_Bcast(totals, static_cast<int>(kStatistics), MPI_DOUBLE, 0, comm_);
  solvers::SolverStatistics s;
  s.steps = static_cast<long>(totals[0]);
  s.rejected_steps = static_cast<long>(totals[1]);
  s.rhs_evaluations = static_cast<long>(totals[2]);
  s.jacobian_evaluations = static_cast<long>(totals[3]);
  s.nonlinear_iterations = static_cast<long>(totals[4]);
  s.linear_iterations = static_cast<long>(totals[5]);
  s.wall_time_s = totals[6];
  return s;
}

void EnsembleOutput::close_quietly() {
  if (!file_) return;
  try {
    file_->close();
  } catch (...) {  // an error path already: what was written before is what counts
  }
  file_.reset();
}

void EnsembleOutput::keep() { close_quietly(); }

void EnsembleOutput::discard() {
  close_quietly();
  if (!mpi::is_root(comm_)) return;
  std::error_code error;
  std::filesystem::remove(partial_, error);
  std::filesystem::remove(journal_, error);
}

}  // namespace neurode::setup
