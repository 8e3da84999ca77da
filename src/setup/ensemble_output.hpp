#pragma once
/// The output of `neurode simulate` written while the runs are integrated: every rank writes its
/// own blocks of runs into one file through parallel HDF5 (io/parallel_hdf5_file.hpp), so that no
/// rank ever holds more than the block it is integrating, and a killed run keeps every block it
/// finished.
///
/// The file is OUT.h5.partial until it is complete (docs/output-format.md, "neurode simulate"):
/// - Made up front, collectively, with every dataset of the result at its final shape, plus
///   /progress: `done` (one flag per run, set after the run's rows are written) and `statistics`
///   (each block's solver statistics), and the config text and method it is for as attributes.
/// - Written block by block, each rank its own: the block's rows of every /trajectory dataset,
///   then its statistics, then its runs' flags. Only raw data is written, into storage allocated
///   when the file was made, so the file's structure never changes while runs are integrated and a
///   SIGKILL at any moment leaves a file that HDF5 opens, with every flagged run's rows in it.
/// - Completed by rank 0 alone once every block is done: /solver's statistics (the blocks' summed
///   in block order), /config/text and /provenance are added and /progress removed, under the
///   protection of a metadata journal (io/metadata_journal.hpp, OUT.h5.partial.journal), then the
///   file is synced and renamed to OUT.h5.
/// A rerun for the same config text and method finds OUT.h5.partial (restoring it from its journal
/// when the completion was cut short), integrates only the blocks not done and completes it to the
/// same content as an uninterrupted run. One for another config is set aside
/// (OUT.h5.partial.other-config, or .damaged when it cannot be read) and the run starts afresh.
#include <mpi.h>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "io/parallel_hdf5_file.hpp"
#include "io/provenance.hpp"
#include "models/state_layout.hpp"
#include "solvers/solution.hpp"

namespace neurode::setup {

/// What the file holds and how its runs are cut into blocks.
struct EnsembleShape {
  models::StateLayout layout;          ///< of one run
  std::vector<std::string> variables;  ///< components of `layout` written to /trajectory
  std::vector<double> times;           ///< the output times
  std::size_t runs = 1;                ///< > 1: a leading run axis in every component's dataset
  std::size_t realisations = 1;        ///< > 1: /trajectory/trial and /trajectory/realisation
  std::size_t block_size = 1;          ///< runs per block (the last block may have fewer)
  std::string config_text;             ///< /config/text
  std::string method;                  ///< the PETSc method after options (/solver's `method`)

  std::size_t blocks() const { return (runs + block_size - 1) / block_size; }
  /// Runs [begin, end) of block `b`.
  std::pair<std::size_t, std::size_t> runs_of(std::size_t b) const;
};

class EnsembleOutput {
 public:
  /// Collective over `comm`: resumes OUTPUT.partial when it is for the same config text and method
  /// (and has the shapes `shape` gives), else creates it. Throws io::OutputError on every rank when
  /// it cannot be made (a missing directory, a full disk).
  EnsembleOutput(const std::string& output, EnsembleShape shape, MPI_Comm comm);
  /// Collective: closes the file if still open, keeping it.
  ~EnsembleOutput();
  EnsembleOutput(const EnsembleOutput&) = delete;
  EnsembleOutput& operator=(const EnsembleOutput&) = delete;

  const std::string& partial_path() const { return partial_; }
  const EnsembleShape& shape() const { return shape_; }
  /// Whether block `b` was finished by an earlier run (when this one started).
  bool block_done(std::size_t b) const { return done_[b] != 0; }
  std::size_t blocks_done_at_start() const;
  /// What happened to an earlier partial file ("resuming ...", "set aside ..."), or "".
  const std::string& notice() const { return notice_; }

  /// Independent: writes block `b`'s runs from `solution` (the block's states at every output time,
  /// run after run), then its statistics, then marks its runs done. Throws io::NonFiniteResult
  /// (nothing written) for a non-finite state, io::OutputError when a write fails.
  void write_block(std::size_t b, const solvers::Solution& solution);

  /// Collective, once every block is done: completes the file and moves it to `output`, with the
  /// provenance of this run (`command_line`, the ranks of the communicator). Returns the solver
  /// statistics summed over the blocks in block order (on every rank). Throws io::OutputError on
  /// every rank when it cannot; the partial file (and its journal) then stay, and a rerun completes
  /// it without integrating anything.
  solvers::SolverStatistics commit(const std::string& command_line);
  /// Collective, after a failure: closes the file and keeps it for a rerun to resume (keep) or
  /// removes it (discard). Never throws.
  void keep();
  void discard();

 private:
  std::vector<std::string> raw_datasets() const;  ///< those written block by block
  void open_for_blocks();
  void close_quietly();

  std::string output_, partial_, journal_;
  EnsembleShape shape_;
  MPI_Comm comm_;
  std::vector<unsigned char> done_;  ///< per block, at the start
  std::string notice_;
  std::unique_ptr<io::ParallelHdf5File> file_;
};

}  // namespace neurode::setup
