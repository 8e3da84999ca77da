// /provenance of every output: the build (type, compiler, flags), the Slurm job when there is one,
// and the hosts the ranks ran on, written as string attributes and read back as a user would.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <string>

#include "io/build_info.hpp"
#include "io/hdf5_file.hpp"
#include "io/provenance.hpp"

namespace neurode {
namespace {

std::string this_host() {
  std::array<char, 256> name{};
  gethostname(name.data(), name.size() - 1);
  return name.data();
}

// The provenance of a run as written to an output, in a file held in memory.
struct Written {
  io::Hdf5File file{"provenance.h5", io::Hdf5File::Mode::in_memory};
  explicit Written(const io::Provenance& p) { io::write_provenance(file, p); }
  std::string text(const std::string& name) const { return file.read_string_attribute("/provenance", name); }
  bool has(const std::string& name) const { return file.has_attribute("/provenance", name); }
};

// Before record_run_hosts (and in a process of one rank either way): this host alone. Runs first
// in the executable, before the case below records the hosts.
TEST(Provenance, WithoutRecordedHostsThisHostAlone) {
  const io::Provenance p = io::current_provenance("neurode test");
  ASSERT_EQ(p.hosts.size(), 1u);
  EXPECT_EQ(p.hosts[0], this_host());
}

TEST(Provenance, BuildSlurmAndHostsAreWritten) {
  setenv("SLURM_JOB_ID", "123", 1);
  unsetenv("SLURM_ARRAY_JOB_ID");
  setenv("SLURM_ARRAY_TASK_ID", "4", 1);
  io::record_run_hosts();
  const Written w(io::current_provenance("neurode train x.yaml"));
  EXPECT_EQ(w.text("slurm_job_id"), "123");
  EXPECT_EQ(w.text("slurm_array_task_id"), "4");
  EXPECT_FALSE(w.has("slurm_array_job_id")) << "an unset variable leaves its attribute out";
  EXPECT_EQ(w.text("hosts"), this_host()) << "one process: one host";
  EXPECT_EQ(w.file.read_attribute("/provenance", "host_count"), 1.0);
  EXPECT_EQ(w.text("build_type"), io::build_info::build_type);
  // e.g. "GNU 12.2.0": an id and a version, both filled in by CMake.
  const std::string compiler = w.text("compiler");
  EXPECT_NE(compiler.find(' '), std::string::npos) << compiler;
  EXPECT_NE(compiler.front(), ' ') << compiler;
  EXPECT_NE(compiler.back(), ' ') << compiler;
  EXPECT_EQ(w.text("compiler_flags"), io::build_info::compiler_flags);
  if (std::string(io::build_info::build_type) == "Release") {
    EXPECT_NE(w.text("compiler_flags").find("-O3"), std::string::npos) << w.text("compiler_flags");
  }
  EXPECT_EQ(w.text("command_line"), "neurode train x.yaml");
  unsetenv("SLURM_JOB_ID");
  unsetenv("SLURM_ARRAY_TASK_ID");
}

TEST(Provenance, OutsideSlurmNoSlurmAttributes) {
  for (const char* name : {"SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID"}) unsetenv(name);
  const Written w(io::current_provenance("neurode test"));
  EXPECT_FALSE(w.has("slurm_job_id"));
  EXPECT_FALSE(w.has("slurm_array_job_id"));
  EXPECT_FALSE(w.has("slurm_array_task_id"));
  EXPECT_TRUE(w.has("hosts"));
}

}  // namespace
}  // namespace neurode
