// Key/value fields on log lines: JSON members that parse, text key=value, nesting and threads.
#include <doctest/doctest.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "po/common/log.hpp"

namespace {
struct Captured {
  std::ostringstream out;
  explicit Captured(po::log::Format format) {
    po::log::init("test", format, "info", std::make_shared<spdlog::sinks::ostream_sink_st>(out));
  }
  ~Captured() { po::log::init("test", po::log::Format::Text, "info"); }
  std::vector<std::string> lines() const {
    std::vector<std::string> v;
    std::istringstream in(out.str());
    for (std::string line; std::getline(in, line);) v.push_back(line);
    return v;
  }
};
}  // namespace

TEST_CASE("log fields: JSON lines carry the scope's fields as members, escaped, and only inside the scope") {
  Captured log(po::log::Format::Json);
  spdlog::info("before");
  {
    po::log::ScopedFields fields({{"platform_namespace", "a11y"}, {"platform_name", "web \"prod\""}, {"reconcile_id", "ab12-1"}});
    spdlog::info("applying {}", 3);
    po::log::set_field("revision", "0123456789ab");
    spdlog::warn("rolled back");
  }
  spdlog::info("after");
  const auto lines = log.lines();
  REQUIRE(lines.size() == 4);
  const auto before = nlohmann::json::parse(lines[0]);
  CHECK_FALSE(before.contains("platform_name"));
  const auto applying = nlohmann::json::parse(lines[1]);
  CHECK(applying["msg"] == "applying 3");
  CHECK(applying["platform_namespace"] == "a11y");
  CHECK(applying["platform_name"] == "web \"prod\"");
  CHECK(applying["reconcile_id"] == "ab12-1");
  CHECK_FALSE(applying.contains("revision"));
  const auto rolled = nlohmann::json::parse(lines[2]);
  CHECK(rolled["revision"] == "0123456789ab");
  CHECK(rolled["level"] == "warning");
  CHECK_FALSE(nlohmann::json::parse(lines[3]).contains("reconcile_id"));
}

TEST_CASE("log fields: text lines end in key=value; inner scopes shadow and restore; other threads are unaffected") {
  Captured log(po::log::Format::Text);
  {
    po::log::ScopedFields outer({{"platform_name", "a"}, {"reconcile_id", "1"}});
    {
      po::log::ScopedFields inner(std::vector<std::pair<std::string, std::string>>{{"platform_name", "b"}});
      spdlog::info("inner");
      CHECK(po::log::current_fields() == std::vector<std::pair<std::string, std::string>>{{"platform_name", "b"}, {"reconcile_id", "1"}});
    }
    std::thread([] { spdlog::info("other thread"); }).join();
    spdlog::info("outer");
  }
  po::log::set_field("ignored", "x");  // outside any scope
  spdlog::info("none");
  const auto lines = log.lines();
  REQUIRE(lines.size() == 4);
  CHECK(lines[0].ends_with("inner platform_name=b reconcile_id=1"));
  CHECK(lines[1].ends_with("other thread"));
  CHECK(lines[2].ends_with("outer platform_name=a reconcile_id=1"));
  CHECK(lines[3].ends_with("none"));
}
