#pragma once
/// Whether two config texts say the same thing.
///
/// A result, a checkpoint and a simulation's partial output record the config text they were
/// written for, and a rerun resumes from them only for the same config. Compared byte for byte,
/// a comment or a blank line would count as a change: editing a comment would retrain every stage
/// of a staged training and set its checkpoint aside. Two texts are the same config here when
/// their YAML documents are equal once comments, layout and quoting are dropped: the same keys in
/// the same order with the same scalars as written (so `1.0e-3` and `0.001` still differ, and a
/// rerun trains again rather than assume they agree).
#include <string>

namespace neurode::io {

/// The texts' YAML, re-emitted without comments and in one layout; a text that is not valid YAML
/// is only the same as itself, byte for byte.
bool same_config(const std::string& a, const std::string& b);

}  // namespace neurode::io
