// Two config texts are the same config when their YAML is, comments and layout aside
// (io/config_identity.hpp): what a rerun compares to resume a checkpoint, a stage or a partial
// simulation.
#include <gtest/gtest.h>

#include "io/config_identity.hpp"

namespace neurode {
namespace {

constexpr const char* kConfig =
    "seed: 1\n"
    "task: {type: xor, observations: 11}\n"
    "training:\n"
    "  epochs: 4\n"
    "  batch_size: 4\n"
    "stages:\n"
    "  - {training: {epochs: 2}}\n";

TEST(ConfigIdentity, CommentsBlankLinesAndLayoutDoNotMatter) {
  const std::string commented =
      "# an XOR training\n"
      "seed: 1   # the seed\n"
      "\n"
      "task: {type: xor,   observations: 11}\n"
      "training:\n"
      "    epochs: 4      # more later\n"
      "    batch_size: 4\n"
      "stages:\n"
      "  - training:\n"
      "      epochs: 2\n";
  EXPECT_TRUE(io::same_config(kConfig, commented));
  EXPECT_TRUE(io::same_config(commented, kConfig));
  const std::string block_task =
      "seed: 1\ntask:\n  type: xor\n  observations: 11\ntraining: {epochs: 4, batch_size: 4}\n"
      "stages: [{training: {epochs: 2}}]\n";
  EXPECT_TRUE(io::same_config(kConfig, block_task));
}

TEST(ConfigIdentity, AnyValueKeyOrOrderDoes) {
  EXPECT_FALSE(io::same_config(kConfig, std::string(kConfig) + "extra: 0\n"));
  const std::string other_value =
      "seed: 1\ntask: {type: xor, observations: 11}\ntraining:\n  epochs: 5\n  batch_size: 4\n"
      "stages:\n  - {training: {epochs: 2}}\n";
  EXPECT_FALSE(io::same_config(kConfig, other_value));
  const std::string reordered =
      "seed: 1\ntask: {observations: 11, type: xor}\ntraining:\n  epochs: 4\n  batch_size: 4\n"
      "stages:\n  - {training: {epochs: 2}}\n";
  EXPECT_FALSE(io::same_config(kConfig, reordered));
  // The same number written otherwise is another text of a value: trained again, not assumed.
  EXPECT_FALSE(io::same_config("rate: 0.001\n", "rate: 1.0e-3\n"));
  EXPECT_FALSE(io::same_config("list: [1, 2]\n", "list: [2, 1]\n"));
}

TEST(ConfigIdentity, TextThatIsNotYamlIsOnlyItself) {
  const std::string broken = "task: {type: xor\n";
  EXPECT_TRUE(io::same_config(broken, broken));
  EXPECT_FALSE(io::same_config(broken, broken + "# a comment\n"));
  EXPECT_FALSE(io::same_config(broken, kConfig));
}

}  // namespace
}  // namespace neurode
