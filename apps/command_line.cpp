#include "command_line.hpp"

#include <petscsys.h>

#include <cstdio>
#include <exception>
#include <set>
#include <string>
#include <string_view>

namespace neurode::app {

const char* usage() {
  return R"(usage:
  neurode simulate CONFIG.yaml [-o OUT.h5] [PETSc options]
  neurode simulate --network FILE.h5 -o OUT.h5 [--dense-output] [PETSc options]
  neurode gradient --network FILE.h5 -o OUT.h5 [--gradient discrete|continuous|backprop-euler|tsadjoint]
                   [--checkpoint-every K] [--dense-output] [PETSc options]
  neurode train CONFIG.yaml [-o OUT.h5] [--seed N] [PETSc options]
  neurode scan SCAN.yaml [-o OUT.h5] [--ranks-per-point K] [--share I/N] [PETSc options]
  neurode pathfinder -o FILE.h5 --images N [--size S] [--length L] [--seed K] [--preset original|pathfinder32]
PETSc options override the config's solver, e.g. -ts_type rk -ts_rk_type 4 -ts_adapt_type none -ts_dt 1e-4,
-ts_rtol 1e-8 -ts_atol 1e-8, -ts_monitor. Exit codes: 0 success, 1 internal error, 2 bad input,
3 integration failed, 4 output not written, 5 interrupted (docs/reliability.md).)";
}

void warn_about_unused_options() {
  PetscInt count = 0;
  char** names = nullptr;
  char** values = nullptr;
  if (PetscOptionsLeftGet(nullptr, &count, &names, &values) != 0) return;
  // PETSc sees every argument that starts with '-', neurode's own included.
  static const std::set<std::string> own = {"o",
                                            "output",
                                            "-output",
                                            "network",
                                            "-network",
                                            "gradient",
                                            "-gradient",
                                            "dense-output",
                                            "-dense-output",
                                            "checkpoint-every",
                                            "-checkpoint-every",
                                            "seed",
                                            "-seed",
                                            "ranks-per-point",
                                            "-ranks-per-point",
                                            "share",
                                            "-share",
                                            "images",
                                            "-images",
                                            "size",
                                            "-size",
                                            "length",
                                            "-length",
                                            "preset",
                                            "-preset",
                                            "h",
                                            "help",
                                            "-help"};
  for (PetscInt i = 0; i < count; ++i)
    if (!own.count(names[i]))
      std::fprintf(stderr, "neurode: warning: PETSc option -%s was given but never used (misspelt?)\n",
                   names[i]);
  PetscOptionsLeftRestore(nullptr, &count, &names, &values);
}

CommandLine parse_command_line(int argc, char** argv) {
  CommandLine cl;
  for (int i = 0; i < argc; ++i) {
    if (i) cl.text.push_back(' ');
    cl.text.append(argv[i]);
  }
  int i = 1;
  for (; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&](const char* name) -> std::string {
      if (i + 1 >= argc) throw UsageError(std::string(name) + " needs a value");
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      cl.help = true;
    } else if (arg == "-o" || arg == "--output") {
      cl.output = value("-o");
    } else if (arg == "--network") {
      cl.network = value("--network");
    } else if (arg == "--gradient") {
      cl.gradient = value("--gradient");
    } else if (arg == "--dense-output") {
      cl.dense_output = true;
    } else if (arg == "--checkpoint-every") {
      const std::string v = value("--checkpoint-every");
      try {
        cl.checkpoint_every = std::stoul(v);
      } catch (const std::exception&) {
        throw UsageError("--checkpoint-every: expected a whole number >= 1, got '" + v + "'");
      }
      if (cl.checkpoint_every == 0)
        throw UsageError("--checkpoint-every: expected a whole number >= 1, got 0");
    } else if (arg == "--seed") {
      const std::string v = value("--seed");
      // stoul accepts "-1" (as a huge number) and "3x": only plain digits are a seed.
      const bool digits =
          !v.empty() && v.size() <= 19 && v.find_first_not_of("0123456789") == std::string::npos;
      if (!digits) throw UsageError("--seed: expected a whole number >= 0, got '" + v + "'");
      cl.seed = std::stoul(v);
    } else if (arg == "--ranks-per-point") {
      const std::string v = value("--ranks-per-point");
      const bool digits =
          !v.empty() && v.size() <= 9 && v.find_first_not_of("0123456789") == std::string::npos;
      if (!digits || std::stoul(v) == 0)
        throw UsageError("--ranks-per-point: expected a whole number >= 1, got '" + v + "'");
      cl.ranks_per_point = std::stoul(v);
    } else if (arg == "--share") {
      // I/N: array task I of N (0-based), as jobs/scan.sbatch passes SLURM_ARRAY_TASK_ID.
      const std::string v = value("--share");
      const std::size_t slash = v.find('/');
      const std::string part = v.substr(0, slash), n = slash == std::string::npos ? "" : v.substr(slash + 1);
      auto whole = [](const std::string& x) {
        return !x.empty() && x.size() <= 9 && x.find_first_not_of("0123456789") == std::string::npos;
      };
      if (!whole(part) || !whole(n) || std::stoul(n) == 0 || std::stoul(part) >= std::stoul(n))
        throw UsageError("--share: expected I/N with 0 <= I < N (e.g. 2/8), got '" + v + "'");
      cl.share = std::stoul(part);
      cl.shares = std::stoul(n);
    } else if (arg == "--images" || arg == "--size" || arg == "--length") {
      const std::string name(arg), v = value(name.c_str());
      const bool digits =
          !v.empty() && v.size() <= 9 && v.find_first_not_of("0123456789") == std::string::npos;
      if (!digits || std::stoul(v) == 0)
        throw UsageError(name + ": expected a whole number >= 1, got '" + v + "'");
      (arg == "--images" ? cl.images : arg == "--size" ? cl.size : cl.length) = std::stoul(v);
    } else if (arg == "--preset") {
      cl.preset = value("--preset");
    } else if (!arg.empty() && arg[0] == '-') {
      // A PETSc option; skip its value when the next word is not an option itself.
      if (i + 1 < argc && argv[i + 1][0] != '-') ++i;
    } else if (cl.command.empty()) {
      cl.command = arg;
    } else {
      cl.inputs.emplace_back(arg);
    }
  }
  if (cl.help) return cl;
  if (cl.command.empty()) throw UsageError("no command given");
  if (cl.command != "simulate" && cl.command != "gradient" && cl.command != "train" && cl.command != "scan" &&
      cl.command != "pathfinder")
    throw UsageError("unknown command '" + cl.command + "'");
  if (cl.seed && cl.command != "train" && cl.command != "pathfinder")
    throw UsageError("--seed is an option of train and pathfinder only");
  if ((cl.images || cl.size || cl.length || !cl.preset.empty()) && cl.command != "pathfinder")
    throw UsageError(std::string(cl.images   ? "--images"
                                 : cl.size   ? "--size"
                                 : cl.length ? "--length"
                                             : "--preset") +
                     " is an option of pathfinder only");
  if (cl.command == "pathfinder") {
    if (!cl.inputs.empty() || !cl.network.empty())
      throw UsageError("pathfinder takes no input file: neurode pathfinder -o FILE.h5 --images N");
    return cl;
  }
  if ((cl.ranks_per_point || cl.shares) && cl.command != "scan")
    throw UsageError(std::string(cl.shares ? "--share" : "--ranks-per-point") + " is an option of scan only");
  if (cl.command == "scan" && !cl.network.empty()) throw UsageError("scan takes a SCAN.yaml, not --network");
  if (cl.network.empty() && cl.inputs.size() != 1)
    throw UsageError(cl.command + " needs one CONFIG.yaml (or --network FILE.h5)");
  if (!cl.network.empty() && !cl.inputs.empty())
    throw UsageError("give either CONFIG.yaml or --network FILE.h5, not both");
  return cl;
}

}  // namespace neurode::app
