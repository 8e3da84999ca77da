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
  neurode simulate --network FILE.h5 -o OUT.h5 [PETSc options]
  neurode gradient --network FILE.h5 -o OUT.h5 [--gradient discrete|continuous|backprop-euler]
                   [--checkpoint-every K] [PETSc options]
  neurode train CONFIG.yaml [-o OUT.h5] [--seed N] [PETSc options]
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
                                            "checkpoint-every",
                                            "-checkpoint-every",
                                            "seed",
                                            "-seed",
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
  if (cl.command != "simulate" && cl.command != "gradient" && cl.command != "train")
    throw UsageError("unknown command '" + cl.command + "'");
  if (cl.seed && cl.command != "train") throw UsageError("--seed is an option of train only");
  if (cl.network.empty() && cl.inputs.size() != 1)
    throw UsageError(cl.command + " needs one CONFIG.yaml (or --network FILE.h5)");
  if (!cl.network.empty() && !cl.inputs.empty())
    throw UsageError("give either CONFIG.yaml or --network FILE.h5, not both");
  return cl;
}

}  // namespace neurode::app
