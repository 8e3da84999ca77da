// neurode scan: runs every point of a parameter scan (a base config and axes over its keys), spread
// over the MPI ranks in groups of --ranks-per-point, each point into its own file as it finishes,
// then merges them, through parallel HDF5, into one result file with the scan's table, and writes
// the table as CSV beside it. A rerun of the same scan computes only the points that are missing.
#include <mpi.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "io/config_identity.hpp"
#include "io/hdf5_file.hpp"
#include "mpi/interruption.hpp"
#include "mpi/work_counter.hpp"
#include "mpi/world.hpp"
#include "scan/point_store.hpp"
#include "scan/scan_file_writer.hpp"
#include "scan/scan_points.hpp"
#include "scan/scan_spec.hpp"
#include "scan/scan_table.hpp"
#include "setup/simulation_config.hpp"
#include "setup/training_config.hpp"
#if __has_include("simulation_run.hpp")
#include "simulation_run.hpp"
#define NEURODE_HAVE_SIMULATION_RUN 1
#endif
#include "training_run.hpp"

namespace neurode::app {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool is_under(const std::string& key, const std::string& prefix) {
  return key == prefix || key.rfind(prefix + ".", 0) == 0 || key.rfind(prefix + "[", 0) == 0;
}

void parse_point_config(const scan::ScanSpec& spec, const std::string& text) {
  if (spec.kind == scan::BaseKind::training)
    setup::parse_training_config(text, spec.base_path);
  else
    setup::parse_simulation_config(text, spec.base_path);
}

// Every point's config is checked before any point runs: a bad value on an axis is reported as
// the scan file's error, at that axis, naming the point; the base config's own errors name it.
std::vector<scan::Point> checked_points(const scan::ScanSpec& spec) {
  if (spec.base_path != spec.path) parse_point_config(spec, io::read_config_text(spec.base_path));
  const std::size_t count = scan::point_count(spec);
  std::vector<scan::Point> points;
  points.reserve(count);
  for (std::size_t p = 0; p < count; ++p) {
    scan::Point point;
    try {
      point = scan::make_point(spec, p);
    } catch (const scan::KeyPathError& e) {
      const scan::Axis& axis = spec.axes[e.axis()];
      throw io::ConfigError(spec.path, "axes." + axis.key, axis.line,
                            "expected a key path into the base config, but " + std::string(e.what()));
    }
    try {
      parse_point_config(spec, point.config_text);
    } catch (const io::ConfigError& e) {
      const std::string where = "point " + std::to_string(p) + " (" + scan::describe_point(spec, point) + ")";
      const std::string what = (e.key_path().empty() ? "" : e.key_path() + ": ") + e.expectation();
      for (const auto& axis : spec.axes)
        if (is_under(e.key_path(), axis.key) || is_under(axis.key, e.key_path()))
          throw io::ConfigError(spec.path, "axes." + axis.key, axis.line, what + " [in " + where + "]");
      throw io::ConfigError(spec.path, "axes", spec.axes.front().line,
                            "a base config that the axes leave valid, but " + where + " gives " + what);
    }
    points.push_back(std::move(point));
  }
  return points;
}

std::string csv_path(const std::string& output) {
  std::filesystem::path path(output);
  return path.replace_extension(".csv").string();
}

// A text file written under a temporary name, synced, and renamed into place (rank 0).
void write_text_file(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      std::remove(temporary.c_str());
      throw io::OutputError(path + ": cannot write the table (is the file system full?)");
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) throw io::OutputError(path + ": cannot move the table into place: " + error.message());
}

// Whether OUT.h5 already holds this very scan, merged (a rerun of a finished scan does nothing).
bool already_merged(const std::string& output, const scan::ScanSpec& spec, const scan::PointStore& store) {
  std::error_code error;
  if (std::filesystem::exists(store.directory(), error) || !std::filesystem::exists(output, error))
    return false;
  try {
    io::Hdf5File file(output, io::Hdf5File::Mode::read);
    return io::same_config(file.read_text("/scan/config/text"), spec.text);
  } catch (const std::exception&) {
    return false;
  }
}

bool point_failed(int code) { return code == kIntegrationFailed || code == kBadInput; }

class ScanRun {
 public:
  ScanRun(const CommandLine& cl, const scan::ScanSpec& spec, const std::vector<scan::Point>& points,
          const scan::PointStore& store, MPI_Comm group)
      : cl_(cl), spec_(spec), points_(points), store_(store), group_(group) {}

  // Runs point p on this rank's group; a point that fails is recorded as failed. Throws what
  // stops the scan (a signal, an output that cannot be written, an internal error).
  void run_point(std::size_t p) {
    const scan::Point& point = points_[p];
    const auto start = Clock::now();
    try {
      if (spec_.kind == scan::BaseKind::training) {
        const auto config = setup::parse_training_config(point.config_text, spec_.base_path);
        TrainingRun run;
        run.comm = group_;
        run.command_line = cl_.text;
        run.quiet = true;
        run.annotate = [&](io::Hdf5File& file) {
          file.set_attribute("/", scan::kWallTimeAttribute, seconds_since(start));
        };
        run_training_config(config, store_.done_file(p), run);
      } else {
        const auto config = setup::parse_simulation_config(point.config_text, spec_.base_path);
#ifdef NEURODE_HAVE_SIMULATION_RUN
        run_simulation_config(config, store_.done_file(p), group_, cl_.text, true);
#else
        throw std::logic_error("simulation scans are not built yet");
#endif
      }
      report(p, "done", seconds_since(start));
    } catch (...) {
      const auto [code, message] = classify_current_exception();
      if (!point_failed(code)) throw;
      record_failure(p, message, seconds_since(start));
      report(p, "failed: " + message, seconds_since(start));
    }
  }

  std::size_t finished_here() const { return finished_here_; }

 private:
  void record_failure(std::size_t p, const std::string& message, double seconds) {
    on_root_for_all(
        [&] {
          io::AtomicOutput out(store_.failed_file(p));
          auto& file = out.file();
          file.write_string("/config/text", points_[p].config_text);
          file.set_attribute("/", "status", "failed");
          file.set_attribute("/", "message", message);
          file.set_attribute("/", scan::kWallTimeAttribute, seconds);
          out.commit();
        },
        group_);
    // The failed point's checkpoint would only be resumed into the same failure.
    if (mpi::is_root(group_)) {
      std::error_code error;
      std::filesystem::remove(store_.done_file(p) + ".checkpoint", error);
    }
  }

  // One line per finished point, from the group that ran it: the counts are those of the whole
  // scan (every group and array task writes into the same directory).
  void report(std::size_t p, const std::string& outcome, double seconds) {
    ++finished_here_;
    if (!mpi::is_root(group_)) return;
    std::size_t done = 0, failed = 0;
    store_.count(done, failed);
    const std::size_t total = points_.size(), finished = done + failed;
    const double elapsed = seconds_since(start_);
    char eta[64] = "";
    if (finished < total && finished > finished_at_start_)
      std::snprintf(eta, sizeof eta, ", about %.0f s left",
                    elapsed / static_cast<double>(finished - finished_at_start_) *
                        static_cast<double>(total - finished));
    std::printf("neurode scan: point %zu (%s) %s in %.1f s; %zu/%zu done, %zu failed%s\n", p,
                scan::describe_point(spec_, points_[p]).c_str(), outcome.c_str(), seconds, finished, total,
                failed, eta);
    std::fflush(stdout);
  }

 public:
  void start_clock(std::size_t finished_at_start) {
    start_ = Clock::now();
    finished_at_start_ = finished_at_start;
  }

 private:
  const CommandLine& cl_;
  const scan::ScanSpec& spec_;
  const std::vector<scan::Point>& points_;
  const scan::PointStore& store_;
  MPI_Comm group_;
  Clock::time_point start_ = Clock::now();
  std::size_t finished_at_start_ = 0, finished_here_ = 0;
};

}  // namespace

int run_scan(const CommandLine& cl) {
  const auto start = Clock::now();
  // 1. The scan and every point's config, checked (every rank reads the same files).
  const scan::ScanSpec spec = scan::load_scan(cl.inputs.front());
  const std::vector<scan::Point> points = checked_points(spec);
  const std::size_t N = points.size();
  const std::string output = !cl.output.empty() ? cl.output : spec.output_file;
  if (output.empty()) throw UsageError("no output file: give -o OUT.h5 (or output.file in the scan)");
  on_root_for_all([&] { io::require_writable_directory(output); });
  const scan::PointStore store(output, N);
  const int ranks = mpi::size();
  const std::size_t per_point = cl.ranks_per_point ? cl.ranks_per_point : spec.ranks_per_point;
  if (per_point > static_cast<std::size_t>(ranks))
    throw UsageError("--ranks-per-point " + std::to_string(per_point) +
                     " needs at least that many MPI ranks, got " + std::to_string(ranks));

  // 2. What is left to do: rank 0 looks, every rank learns.
  int merged = mpi::is_root() && already_merged(output, spec, store);
  MPI_Bcast(&merged, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (merged) {
    mpi::print_root("neurode scan: " + output + " already holds all " + std::to_string(N) +
                    " points of this scan; nothing to do");
    return 0;
  }
  on_root_for_all([&] { store.create(); });
  std::vector<char> state(N, 0);
  if (mpi::is_root())
    for (std::size_t p = 0; p < N; ++p)
      state[p] = store.state(p, points[p].config_text) == scan::PointState::missing ? 0 : 1;
  MPI_Bcast(state.data(), static_cast<int>(N), MPI_CHAR, 0, MPI_COMM_WORLD);
  std::vector<std::size_t> pending;
  std::size_t finished_at_start = 0;
  for (std::size_t p = 0; p < N; ++p) {
    if (state[p]) ++finished_at_start;
    if (!state[p] && (cl.shares == 0 || p % cl.shares == cl.share)) pending.push_back(p);
  }
  const std::size_t group_index = static_cast<std::size_t>(mpi::rank()) / per_point;
  mpi::print_root(
      "neurode scan: " + std::to_string(N) + " points (" + std::to_string(finished_at_start) +
      " already finished, " + std::to_string(pending.size()) + " to run" +
      (cl.shares ? " in share " + std::to_string(cl.share) + "/" + std::to_string(cl.shares) : "") + ") on " +
      std::to_string(ranks) + " rank(s), " + std::to_string(per_point) + " per point");

  // 3. The points: each group takes the next pending point when it is free (a shared counter), so
  //    that quick points do not wait for slow ones. An array task (--share) takes its share only.
  MPI_Comm group = MPI_COMM_NULL;
  MPI_Comm_split(MPI_COMM_WORLD, static_cast<int>(group_index), mpi::rank(), &group);
  int code = kSuccess;
  std::string message;
  {
    mpi::WorkCounter counter(MPI_COMM_WORLD);
    ScanRun run(cl, spec, points, store, group);
    run.start_clock(finished_at_start);
    try {
      while (true) {
        if (mpi::interrupted_anywhere(group))
          throw mpi::Interrupted("interrupted by " + mpi::interruption_signal_name());
        long next = mpi::is_root(group) ? counter.next() : 0;
        MPI_Bcast(&next, 1, MPI_LONG, 0, group);
        if (static_cast<std::size_t>(next) >= pending.size()) break;
        run.run_point(pending[static_cast<std::size_t>(next)]);
      }
    } catch (...) {
      std::tie(code, message) = classify_current_exception();
    }
  }
  MPI_Comm_free(&group);
  // Every group ends here; the ranks agree on the worst outcome and on its message.
  MPI_Allreduce(MPI_IN_PLACE, &code, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  message = mpi::first_message(code == kSuccess ? "" : message);
  if (code != kSuccess)
    throw CommandFailure(code, message + "; the finished points are kept in " + store.directory() +
                                   ": rerun the same command to complete the scan");
  if (cl.shares) {
    std::size_t done = 0, failed = 0;
    if (mpi::is_root()) store.count(done, failed);
    mpi::print_root("neurode scan: share " + std::to_string(cl.share) + "/" + std::to_string(cl.shares) +
                    " finished; " + store.directory() + " holds " + std::to_string(done + failed) + " of " +
                    std::to_string(N) + " points (run the scan without --share to merge them)");
    return 0;
  }

  // 4. Every point is finished: the one file, through parallel HDF5, and its table as CSV.
  const scan::ScanTable table = scan::build_table(spec, store, N);
  scan::write_scan_file(output, spec, table, store, MPI_COMM_WORLD);
  const std::string csv = csv_path(output);
  on_root_for_all([&] {
    write_text_file(csv, scan::csv_text(table));
    store.remove();
  });
  std::size_t failed = 0;
  for (const auto& status : table.columns[1 + spec.axes.size()].texts) failed += status == "failed";
  if (mpi::is_root()) {
    std::printf(
        "neurode scan: %zu points (%zu done, %zu failed) in %.1f s on %d rank(s)\n  wrote %s and %s\n", N,
        N - failed, failed, seconds_since(start), ranks, output.c_str(), csv.c_str());
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace neurode::app
