#include <doctest/doctest.h>

#include <algorithm>
#include <string_view>

TEST_CASE("the build passes a semantic version") {
  const std::string_view v = PO_VERSION;
  CHECK(std::count(v.begin(), v.end(), '.') == 2);
}
