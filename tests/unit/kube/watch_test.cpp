#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "po/kube/watch.hpp"

using namespace po::kube;

namespace {
std::vector<std::string> feed_all(LineSplitter& s, const std::vector<std::string>& pieces, std::size_t* dropped = nullptr) {
  std::vector<std::string> lines;
  for (const auto& p : pieces) {
    const auto d = s.feed(p, [&](std::string_view l) { lines.emplace_back(l); });
    if (dropped) *dropped += d;
  }
  return lines;
}
}  // namespace

TEST_CASE("lines split across reads are joined") {
  LineSplitter s;
  const auto lines = feed_all(s, {"{\"a\":", "1}\n{\"b\"", ":2}\n{\"c\":3}", "\n"});
  CHECK(lines == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"});
  CHECK_FALSE(s.has_partial());
}

TEST_CASE("several lines in one read, CRLF and empty lines") {
  LineSplitter s;
  const auto lines = feed_all(s, {"one\r\ntwo\n\n\nthree\npart"});
  CHECK(lines == std::vector<std::string>{"one", "two", "three"});
  CHECK(s.has_partial());
  CHECK(s.buffered() == 4);
}

TEST_CASE("byte-at-a-time delivery") {
  LineSplitter s;
  const std::string text = "{\"type\":\"ADDED\"}\n{\"type\":\"DELETED\"}\n";
  std::vector<std::string> pieces;
  for (char c : text) pieces.emplace_back(1, c);
  CHECK(feed_all(s, pieces).size() == 2);
}

TEST_CASE("an oversized line is dropped and the stream recovers") {
  LineSplitter s(8);
  std::size_t dropped = 0;
  const auto lines = feed_all(s, {"short\n0123456789", "abcdef\nok\n"}, &dropped);
  CHECK(lines == std::vector<std::string>{"short", "ok"});
  CHECK(dropped == 1);
}

TEST_CASE("watch events decode") {
  auto ev = parse_watch_line(
      R"({"type":"ADDED","object":{"kind":"ConfigMap","metadata":{"name":"a","namespace":"n","resourceVersion":"42"}}})");
  REQUIRE(ev.has_value());
  CHECK(ev->type == WatchEventType::Added);
  CHECK(ev->resource_version() == "42");
  CHECK(ev->object["metadata"]["name"] == "a");

  auto bm = parse_watch_line(R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","metadata":{"resourceVersion":"99"}}})");
  REQUIRE(bm.has_value());
  CHECK(bm->type == WatchEventType::Bookmark);
  CHECK(bm->resource_version() == "99");

  auto err = parse_watch_line(
      R"({"type":"ERROR","object":{"kind":"Status","status":"Failure","message":"too old resource version","reason":"Expired","code":410}})");
  REQUIRE(err.has_value());
  CHECK(err->type == WatchEventType::Error);
  CHECK(watch_error_code(*err) == 410);
  auto expired_no_code = parse_watch_line(R"({"type":"ERROR","object":{"kind":"Status","reason":"Expired"}})");
  REQUIRE(expired_no_code.has_value());
  CHECK(watch_error_code(*expired_no_code) == 410);
  CHECK(watch_error_code(*ev) == 0);
}

TEST_CASE("malformed events are reported, never thrown") {
  std::string error;
  CHECK_FALSE(parse_watch_line("{\"type\":\"ADDED\",\"object\":{", &error).has_value());
  CHECK(error == "watch event is not valid JSON");
  CHECK_FALSE(parse_watch_line("[1,2]", &error).has_value());
  CHECK(error == "watch event is not a JSON object");
  CHECK_FALSE(parse_watch_line(R"({"object":{}})", &error).has_value());
  CHECK(error == "watch event has no type");
  CHECK_FALSE(parse_watch_line(R"({"type":"ADDED"})", &error).has_value());
  CHECK(error == "watch event has no object");
  CHECK_FALSE(parse_watch_line(R"({"type":"ADDED","object":"x"})", &error).has_value());
  CHECK_FALSE(parse_watch_line(R"({"type":"EXPLODED","object":{}})", &error).has_value());
  CHECK(error == "watch event has unknown type \"EXPLODED\"");
  CHECK_FALSE(parse_watch_line(R"({"type":"MODIFIED","object":{"metadata":{}}})", &error).has_value());
  CHECK(error == "watch event object has no metadata.name");
  CHECK_FALSE(parse_watch_line("", &error).has_value());
  CHECK_FALSE(parse_watch_line("\xff\xfe", &error).has_value());
}

TEST_CASE("random watch timeouts stay in range") {
  for (int i = 0; i < 200; ++i) {
    const int t = random_watch_timeout(300, 600);
    CHECK(t >= 300);
    CHECK(t <= 600);
  }
  CHECK(random_watch_timeout(5, 5) == 5);
}
