// Schema migrations, applied at start under a PostgreSQL advisory lock so that replicas starting at the
// same time apply each migration exactly once (the others wait, then find nothing left to do).
#pragma once
#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace a11y::server {

struct Migration {
  int version;
  std::string description;
  std::string sql;
};

const std::vector<Migration>& migrations();

// Returns the versions this call applied (empty when another process got there first).
std::vector<int> migrate(pqxx::connection& conn);

}  // namespace a11y::server
