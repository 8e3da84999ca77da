#include "io/config_identity.hpp"

#include <yaml-cpp/yaml.h>

#include <optional>

namespace neurode::io {
namespace {

// Every document of the text, emitted one after the other in yaml-cpp's block style: comments
// and spacing are not part of a loaded node, and one style makes a map written inline equal to
// the same map written as a block.
void emit_block(YAML::Emitter& out, const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      out << YAML::BeginMap;
      for (const auto& entry : node) {
        out << YAML::Key;
        emit_block(out, entry.first);
        out << YAML::Value;
        emit_block(out, entry.second);
      }
      out << YAML::EndMap;
      break;
    case YAML::NodeType::Sequence:
      out << YAML::BeginSeq;
      for (const auto& item : node) emit_block(out, item);
      out << YAML::EndSeq;
      break;
    case YAML::NodeType::Scalar:
      out << node.Scalar();
      break;
    default:
      out << YAML::Null;
      break;
  }
}

std::optional<std::string> canonical(const std::string& text) {
  try {
    YAML::Emitter out;
    out.SetMapFormat(YAML::Block);
    out.SetSeqFormat(YAML::Block);
    for (const YAML::Node& document : YAML::LoadAll(text)) {
      out << YAML::BeginDoc;
      emit_block(out, document);
    }
    if (!out.good()) return std::nullopt;
    return std::string(out.c_str());
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
}

}  // namespace

bool same_config(const std::string& a, const std::string& b) {
  if (a == b) return true;
  const auto ca = canonical(a), cb = canonical(b);
  return ca && cb && *ca == *cb;
}

}  // namespace neurode::io
