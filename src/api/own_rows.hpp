// The functions that list the signed-in user's own rows (list_deleted_videos,
// list_credit_lots): one statement, its $1 the caller's user id.
#pragma once

#include "../pg/spi.hpp"
#include "../pg/types.hpp"

namespace sora::api {

// Returns the statement's rows for the signed-in user (read from the JWT claims, as every
// function reads the caller); without a signed-in user there is nobody whose rows to list,
// so none.
Datum return_own_rows(FunctionCallInfo fcinfo, pg::Statement& rows);

}  // namespace sora::api
