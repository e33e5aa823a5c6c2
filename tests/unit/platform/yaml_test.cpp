#include <doctest/doctest.h>

#include "po/platform/yaml.hpp"

using po::platform::to_yaml;
using po::platform::yaml_documents;

TEST_CASE("yaml: plain scalars are typed, quoted ones stay strings") {
  const auto docs = yaml_documents("a: 1\nb: \"1\"\nc: true\nd: 'true'\ne: 1.5\nf: ~\ng: hello\nh: 0 3 * * *\ni: '16'\n");
  REQUIRE(docs.size() == 1);
  const auto& d = docs[0];
  CHECK(d["a"] == 1);
  CHECK(d["b"] == "1");
  CHECK(d["c"] == true);
  CHECK(d["d"] == "true");
  CHECK(d["e"] == 1.5);
  CHECK(d["f"].is_null());
  CHECK(d["g"] == "hello");
  CHECK(d["h"] == "0 3 * * *");
  CHECK(d["i"] == "16");
}

TEST_CASE("yaml: multi-document streams skip empty documents") {
  CHECK(yaml_documents("---\na: 1\n---\n---\nb: 2\n").size() == 2);
  CHECK(yaml_documents("").empty());
}

TEST_CASE("yaml: syntax errors carry a line number") {
  try {
    yaml_documents("a: [1, 2\nb: c\n");
    FAIL("no exception");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("line") != std::string::npos);
  }
}

TEST_CASE("yaml: strings that look like other types are quoted; multi-line strings are literal blocks") {
  nlohmann::json j = {{"version", "16"}, {"flag", "true"}, {"empty", ""}, {"cron", "0 3 * * *"}, {"conf", "a\nb\n"},
                      {"n", 3}, {"b", false}, {"star", "*"}, {"colon", "a: b"}, {"apiVersion", "v1"}, {"kind", "ConfigMap"}};
  const std::string text = to_yaml(j);
  CHECK(text.rfind("apiVersion: v1\nkind: ConfigMap\n", 0) == 0);  // manifests read from the top
  CHECK(text.find("version: \"16\"") != std::string::npos);
  CHECK(text.find("flag: \"true\"") != std::string::npos);
  CHECK(text.find("conf: |") != std::string::npos);
  const auto back = yaml_documents(text);
  REQUIRE(back.size() == 1);
  CHECK(back[0] == j);
}

TEST_CASE("yaml: awkward multi-line strings round-trip") {
  for (const char* text : {"  indented\nsecond\n", "trailing space \nx\n", "tab\there\n", "no final newline\nx", "two\n\n", "\n"}) {
    const nlohmann::json j = {{"value", text}};
    const auto back = yaml_documents(to_yaml(j));
    REQUIRE(back.size() == 1);
    CHECK_MESSAGE(back[0] == j, text);
  }
}
