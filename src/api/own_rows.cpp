#include "own_rows.hpp"

#include <optional>

#include "../pg/args.hpp"
#include "../pg/caller.hpp"
#include "../core/no_postgres.hpp"  // last: see the file

namespace sora::api {

Datum return_own_rows(FunctionCallInfo fcinfo, pg::Statement& rows) {
  pg::spi_begin(fcinfo);
  std::optional<pg::Uuid> user = pg::current_caller().user_id;
  pg::Result found = user ? rows.run({pg::param(*user)}, pg::Access::kReadOnly) : pg::Result();
  pg::return_rows(fcinfo, {found});
  pg::spi_end();
  return Datum(0);
}

}  // namespace sora::api
