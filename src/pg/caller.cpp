#include "caller.hpp"

namespace sora::pg {

Caller current_caller() {
  static Statement query(
      "SELECT auth.uid(), coalesce(auth.role() = 'service_role', false)", {});
  Result row = query.run({}, Access::kReadOnly);
  Caller caller;
  if (!row.is_null(0, 1)) caller.user_id = row.uuid_at(0, 1);
  caller.is_service = row.bool_at(0, 2);
  return caller;
}

}  // namespace sora::pg
