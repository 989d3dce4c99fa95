#include "caller.hpp"

#include <cstring>

#include "guard.hpp"
#include "postgres.hpp"
#include "values.hpp"

namespace sora::pg {

namespace {

// request.jwt.claims as jsonb, parsed at most once per call and only when a claim is not
// in its legacy setting (as auth.uid()'s coalesce reads it only then); nullptr when unset
// or empty. A malformed value raises jsonb's own 22P02, as auth.uid() does.
struct Claims {
  bool parsed = false;
  Jsonb* json = nullptr;
  Jsonb* get() {
    if (!parsed) {
      const char* text = GetConfigOption("request.jwt.claims", true, false);
      if (text != nullptr && text[0] != '\0') {
        json = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
      }
      parsed = true;
    }
    return json;
  }
};

// One claim, as coalesce(nullif(current_setting('request.jwt.claim.NAME', true), ''),
// nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'NAME'): the
// definitions of auth.uid() and auth.role() on Supabase. Returns a palloc'd string, or
// nullptr.
const char* claim(Claims& all, const char* legacy_setting, const char* name) {
  const char* legacy = GetConfigOption(legacy_setting, true, false);
  if (legacy != nullptr && legacy[0] != '\0') return legacy;
  Jsonb* claims = all.get();
  if (claims == nullptr || !JB_ROOT_IS_OBJECT(claims)) return nullptr;
  JsonbValue found;
  if (getKeyJsonValueFromContainer(&claims->root, name, static_cast<int>(std::strlen(name)),
                                   &found) == nullptr ||
      found.type == jbvNull) {
    return nullptr;
  }
  if (found.type == jbvString) return pnstrdup(found.val.string.val, found.val.string.len);
  // ->> renders any other value as its JSON text.
  return JsonbToCString(nullptr, &JsonbValueToJsonb(&found)->root, 0);
}

}  // namespace

Caller current_caller() {
  Caller caller;
  guarded([&] {
    Claims claims;
    const char* sub = claim(claims, "request.jwt.claim.sub", "sub");
    if (sub != nullptr) {
      // uuid's own input function: a sub that is not a uuid raises 22P02, as auth.uid() does.
      Datum id = DirectFunctionCall1(uuid_in, CStringGetDatum(sub));
      caller.user_id = uuid_value(id);
    }
    const char* role = claim(claims, "request.jwt.claim.role", "role");
    if (role != nullptr && std::strcmp(role, "service_role") == 0) {
      Oid service_role = get_role_oid("service_role", true);
      caller.is_service =
          OidIsValid(service_role) && is_member_of_role(GetOuterUserId(), service_role);
    }
  });
  return caller;
}

}  // namespace sora::pg
