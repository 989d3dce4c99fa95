// Who is calling, read from the request's JWT claims the way Supabase's auth.uid() and
// auth.role() read them, but here in C++: no function that another role owns or can
// replace (auth.uid() belongs to the auth server's role) ever runs with the rights of the
// SECURITY DEFINER functions.
#pragma once

#include <optional>

#include "spi.hpp"

namespace sora::pg {

struct Caller {
  std::optional<Uuid> user_id;  // the sub claim; nullopt without a signed-in user
  // The role claim is service_role AND the database role that called (outside any
  // SECURITY DEFINER function) is service_role, a member of it, or a superuser: a claim
  // set by hand in a session of another role gives no service powers.
  bool is_service = false;
};

Caller current_caller();

}  // namespace sora::pg
