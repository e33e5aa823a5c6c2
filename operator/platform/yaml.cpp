// YAML <-> JSON conversion on top of yaml-cpp.
#include "po/platform/yaml.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>

#include "regex.hpp"

namespace po::platform {
namespace {

using nlohmann::json;

json scalar_to_json(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted: always a string
  static const std::regex null_re("^(~|null|Null|NULL|)$");
  static const std::regex true_re("^(true|True|TRUE)$");
  static const std::regex false_re("^(false|False|FALSE)$");
  static const std::regex int_re("^[-+]?[0-9]+$");
  static const std::regex float_re(R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)");
  if (std::regex_match(text, null_re)) return nullptr;
  if (std::regex_match(text, true_re)) return true;
  if (std::regex_match(text, false_re)) return false;
  try {
    if (std::regex_match(text, int_re)) return std::stoll(text);
    if (std::regex_match(text, float_re)) return std::stod(text);
  } catch (const std::out_of_range&) {
    // too large for a number: keep the text
  }
  return text;
}

json node_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return nullptr;
    case YAML::NodeType::Scalar: return scalar_to_json(node);
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(node_to_json(item));
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& item : node) out[item.first.as<std::string>()] = node_to_json(item.second);
      return out;
    }
  }
  return nullptr;
}

// Strings that YAML would read back as something else, or that plain style cannot carry, are quoted.
// YAML 1.1 readers (go-yaml v2 behind kubectl) count yes/no/on/off as booleans and 0x../12:30 as
// numbers, so the rules are stricter than YAML 1.2's.
bool needs_quotes(const std::string& s) {
  static const std::regex word(R"(^[A-Za-z_/][A-Za-z0-9_./:@-]*$)");
  static const std::regex unit_number(R"(^[0-9]+[A-Za-z][A-Za-z0-9]*$)");  // 30s, 10Gi, 256mb
  static const std::regex special("^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~)$");
  if (!s.empty() && s.back() == ':') return true;
  if (std::regex_match(s, word)) return std::regex_match(s, special);
  if (std::regex_match(s, unit_number)) {
    const bool radix = s.size() > 1 && s[0] == '0' && std::isalpha(static_cast<unsigned char>(s[1]));
    const bool exponent = std::regex_match(s, std::regex(R"(^[0-9]+[eE][0-9]+$)"));
    return radix || exponent;
  }
  return true;
}

void emit(YAML::Emitter& out, const json& value, bool top = false);

void emit_entry(YAML::Emitter& out, const std::string& key, const json& item) {
  out << YAML::Key;
  if (needs_quotes(key)) out << YAML::DoubleQuoted;
  out << key << YAML::Value;
  emit(out, item);
}

void emit(YAML::Emitter& out, const json& value, bool top) {
  // A manifest reads best with apiVersion, kind and metadata first, as kubectl prints it.
  static const std::array<std::string, 3> kLeading = {"apiVersion", "kind", "metadata"};
  switch (value.type()) {
    case json::value_t::object:
      out << YAML::BeginMap;
      if (top)
        for (const auto& key : kLeading)
          if (value.contains(key)) emit_entry(out, key, value[key]);
      for (const auto& [key, item] : value.items()) {
        if (top && std::find(kLeading.begin(), kLeading.end(), key) != kLeading.end()) continue;
        emit_entry(out, key, item);
      }
      out << YAML::EndMap;
      break;
    case json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& item : value) emit(out, item);
      out << YAML::EndSeq;
      break;
    case json::value_t::string: {
      const auto& s = value.get_ref<const std::string&>();
      // Literal blocks cannot carry leading indentation, trailing spaces or tabs faithfully.
      const bool literal_safe = s.size() > 1 && s.find('\n') != std::string::npos && s.front() != ' ' && s.front() != '\n' && s.find(" \n") == std::string::npos &&
                                s.find_first_of("\t\r") == std::string::npos && s.back() == '\n' && s.find("\n\n", s.size() - 2) == std::string::npos;
      if (literal_safe) out << YAML::Literal << s;
      else if (s.find('\n') != std::string::npos) out << YAML::DoubleQuoted << s;
      else if (needs_quotes(s)) out << YAML::DoubleQuoted << s;
      else out << s;
      break;
    }
    case json::value_t::boolean: out << value.get<bool>(); break;
    case json::value_t::number_integer: out << value.get<std::int64_t>(); break;
    case json::value_t::number_unsigned: out << value.get<std::uint64_t>(); break;
    case json::value_t::number_float: out << value.dump(); break;
    case json::value_t::null:
    case json::value_t::discarded:
    case json::value_t::binary: out << YAML::Null; break;
  }
}

}  // namespace

std::vector<json> yaml_documents(std::string_view text) {
  std::vector<json> out;
  try {
    for (const YAML::Node& doc : YAML::LoadAll(std::string(text))) {
      if (doc.IsNull()) continue;  // empty documents between separators
      out.push_back(node_to_json(doc));
    }
  } catch (const YAML::Exception& e) {
    throw std::runtime_error("YAML error at line " + std::to_string(e.mark.line + 1) + ", column " +
                             std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  return out;
}

std::string to_yaml(const json& value) {
  YAML::Emitter out;
  out.SetIndent(2);
  out << YAML::BeginDoc;
  emit(out, value, true);
  std::string text = out.c_str();
  // yaml-cpp starts the document with "---"; callers decide about separators.
  if (text.rfind("---\n", 0) == 0) text.erase(0, 4);
  else if (text.rfind("---", 0) == 0) text.erase(0, 3);
  if (text.empty() || text.back() != '\n') text.push_back('\n');
  return text;
}

}  // namespace po::platform
