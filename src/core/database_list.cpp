#include "database_list.hpp"

#include <algorithm>

#include "no_postgres.hpp"  // last: see the file

namespace sora::core {

std::vector<std::string> split_database_list(std::string_view list) {
  std::vector<std::string> names;
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    std::size_t first = item.find_first_not_of(" \t");
    if (first == std::string_view::npos) continue;
    item = item.substr(first, item.find_last_not_of(" \t") - first + 1);
    if (std::find(names.begin(), names.end(), item) == names.end()) names.emplace_back(item);
  }
  return names;
}

std::string quoted_database_list(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) {
    if (!out.empty()) out += ", ";
    out += '"' + name + '"';
  }
  return out;
}

}  // namespace sora::core
