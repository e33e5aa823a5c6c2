// Helpers shared by the app's unit tests: fixture files and the committed model.
#pragma once
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

#include "ml/text_quality.hpp"

namespace a11y::test {

inline std::string source_path(const std::string& relative) { return std::string(PO_SOURCE_DIR) + "/" + relative; }

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string fixture(const std::string& name) { return read_text(source_path("tests/fixtures/html/" + name)); }

inline const std::string& committed_model_path() {
  static const std::string path = source_path("app/models/text-quality-1.0.0.json");
  return path;
}

inline std::shared_ptr<const ml::TextQualityModel> committed_model() {
  static const auto model = std::make_shared<const ml::TextQualityModel>(ml::TextQualityModel::load(committed_model_path()));
  return model;
}

}  // namespace a11y::test
