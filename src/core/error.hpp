// The domain error: what the caller sees in SQL (SQLSTATE, message, DETAIL, HINT).
#pragma once

#include <stdexcept>
#include <string>

namespace sora::core {

// SQLSTATEs of the API contract. PostgREST turns PTxyz into HTTP status xyz.
namespace sqlstate {
inline constexpr const char* kNotAuthenticated = "42501";   // 401 for anon, 403 otherwise
inline constexpr const char* kForbidden = "42501";           // the same SQLSTATE: not allowed
inline constexpr const char* kInvalidParameter = "22023";   // 400
inline constexpr const char* kOutOfRange = "22003";         // 400
inline constexpr const char* kInsufficientCredits = "PT402";
inline constexpr const char* kNotFound = "PT404";
inline constexpr const char* kConflict = "PT409";
inline constexpr const char* kGone = "PT410";
inline constexpr const char* kIdempotencyMismatch = "PT422";
inline constexpr const char* kTooManyInFlight = "PT429";
// A table changed under the functions, or a row breaks what they rely on (PostgreSQL's own
// codes for these; PostgREST answers 400, and 500 for P0002).
inline constexpr const char* kUndefinedColumn = "42703";
inline constexpr const char* kDatatypeMismatch = "42804";
inline constexpr const char* kNotNullViolation = "23502";
inline constexpr const char* kCheckViolation = "23514";
inline constexpr const char* kNoDataFound = "P0002";
// A trigger function attached the wrong way; a table without the key a trigger needs.
inline constexpr const char* kTriggerProtocolViolated = "39P01";
inline constexpr const char* kWrongObjectType = "42809";
}  // namespace sqlstate

class Error : public std::runtime_error {
 public:
  Error(const char* sqlstate, std::string message, std::string detail = {}, std::string hint = {})
      : std::runtime_error(message),
        sqlstate_(sqlstate),
        detail_(std::move(detail)),
        hint_(std::move(hint)) {}

  const char* sqlstate() const noexcept { return sqlstate_; }
  const char* message() const noexcept { return what(); }
  const std::string& detail() const noexcept { return detail_; }
  const std::string& hint() const noexcept { return hint_; }

 private:
  const char* sqlstate_;  // always one of the constants above: five characters, static storage
  std::string detail_;
  std::string hint_;
};

}  // namespace sora::core
