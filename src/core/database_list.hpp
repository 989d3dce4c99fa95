// The setting sora_credits.databases: the databases the expiry worker visits.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sora::core {

// Splits a comma-separated list of database names: surrounding spaces and tabs are
// trimmed, case is kept (a database name is matched exactly, as in a connection string),
// empty entries and repeats are dropped, the order is kept.
std::vector<std::string> split_database_list(std::string_view list);

// The names joined for a log line: "a", "b".
std::string quoted_database_list(const std::vector<std::string>& names);

}  // namespace sora::core
