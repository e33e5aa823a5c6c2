#include <doctest/doctest.h>

#include "po/kube/error.hpp"

using namespace po::kube;

TEST_CASE("a Status body gives reason and message") {
  const auto err = classify_response(
      409, R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"the object has been modified","reason":"Conflict","code":409})");
  CHECK(err.code == 409);
  CHECK(err.reason == "Conflict");
  CHECK(err.message == "the object has been modified");
  CHECK(err.retryable);
  CHECK(err.conflict());
  CHECK_FALSE(err.already_exists());
  CHECK(err.to_string() == "409 Conflict: the object has been modified");
}

TEST_CASE("permanent and transient errors are told apart") {
  CHECK_FALSE(classify_response(404, R"({"kind":"Status","reason":"NotFound","message":"x"})").retryable);
  CHECK(classify_response(404, "{}").not_found());
  CHECK_FALSE(classify_response(422, R"({"kind":"Status","reason":"Invalid"})").retryable);
  CHECK_FALSE(classify_response(403, R"({"kind":"Status","reason":"Forbidden"})").retryable);
  CHECK_FALSE(classify_response(400, "").retryable);
  const auto exists = classify_response(409, R"({"kind":"Status","reason":"AlreadyExists"})");
  CHECK(exists.already_exists());
  CHECK_FALSE(exists.retryable);
  CHECK(classify_response(500, R"({"kind":"Status","reason":"InternalError"})").retryable);
  CHECK(classify_response(503, "").retryable);
  CHECK(classify_response(504, "").retryable);
  CHECK_FALSE(classify_response(501, "").retryable);
  CHECK(classify_response(429, "").retryable);
  CHECK(transport_error("connection refused").retryable);
  CHECK(transport_error("connection refused").code == 0);
  CHECK(classify_response(410, R"({"kind":"Status","reason":"Expired"})").gone());
}

TEST_CASE("non-Status bodies and missing reasons") {
  const auto err = classify_response(502, "<html>bad gateway</html>");
  CHECK(err.message == "<html>bad gateway</html>");
  CHECK(err.retryable);
  CHECK(classify_response(404, "").reason == "NotFound");
  CHECK(classify_response(403, "{\"kind\":\"Other\"}").reason == "Forbidden");
  const std::string long_body(1000, 'x');
  CHECK(classify_response(500, long_body).message.size() == 200);
}

TEST_CASE("Retry-After is honoured for 429") {
  const auto err = classify_response(429, R"({"kind":"Status","reason":"TooManyRequests"})", "7");
  REQUIRE(err.retry_after.has_value());
  CHECK(err.retry_after->count() == 7);
  CHECK(parse_retry_after(" 3 ") == std::chrono::seconds(3));
  CHECK_FALSE(parse_retry_after("").has_value());
  CHECK_FALSE(parse_retry_after("-1").has_value());
  CHECK_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT").has_value());
}

TEST_CASE("Result carries a value or an error") {
  Result<int> ok = 5;
  CHECK(ok.ok());
  CHECK(*ok == 5);
  Result<int> bad = transport_error("boom");
  CHECK_FALSE(bad);
  CHECK(bad.error().message == "boom");
}
