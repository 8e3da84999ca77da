#pragma once
// Parsing of neurode's own arguments; everything that starts with '-' and is not neurode's is a
// PETSc option (-ts_type, -ts_dt, ...) and is left to PETSc's options database.
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace neurode::app {

struct CommandLine {
  std::string command;                // simulate, gradient, train, scan, pathfinder
  std::vector<std::string> inputs;    // positional arguments after the command
  std::string output;                 // -o / --output
  std::string network;                // --network FILE.h5
  std::string gradient = "discrete";  // --gradient discrete|continuous|backprop-euler
  std::size_t checkpoint_every = 1;   // --checkpoint-every K
  std::optional<unsigned long> seed;  // --seed N (train: the config's seed replaced; pathfinder)
  std::size_t ranks_per_point = 0;    // --ranks-per-point K (scan); 0: the scan file's, else 1
  std::size_t share = 0, shares = 0;  // --share I/N (scan): only the points p with p mod N = I
  std::size_t images = 0;             // --images N (pathfinder); 0: not given
  std::size_t size = 0;               // --size S (pathfinder); 0: the preset's
  std::size_t length = 0;             // --length L (pathfinder): paddles per path; 0: 14
  std::string preset;                 // --preset original|pathfinder32 (pathfinder); "": by --size
  bool dense_output = false;          // --dense-output (--network): outputs from the interpolant
  bool help = false;
  std::string text;  // the whole command line, for provenance
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

CommandLine parse_command_line(int argc, char** argv);
const char* usage();
/// A warning on stderr for every PETSc option given but never used (a misspelt -ts_rtl would
/// otherwise be ignored in silence); neurode's own options are not PETSc's and are skipped.
void warn_about_unused_options();

}  // namespace neurode::app
