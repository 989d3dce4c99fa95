// The SQL-callable functions, implemented in C++. Each is called only through
// pg::boundary (see src/entry.cpp), which turns C++ errors into SQL errors.
#pragma once

#include "../pg/postgres.hpp"

namespace sora::api {

Datum create_video_generation(FunctionCallInfo fcinfo);
Datum create_video_request(FunctionCallInfo fcinfo);
Datum refund_video_credits(FunctionCallInfo fcinfo);
Datum complete_video_generation(FunctionCallInfo fcinfo);
Datum claim_video_jobs(FunctionCallInfo fcinfo);
Datum soft_delete_video(FunctionCallInfo fcinfo);
Datum restore_video(FunctionCallInfo fcinfo);
Datum get_credit_info(FunctionCallInfo fcinfo);
Datum grant_credits(FunctionCallInfo fcinfo);
Datum handle_new_user(FunctionCallInfo fcinfo);
Datum expire_stale_videos(FunctionCallInfo fcinfo);

}  // namespace sora::api
