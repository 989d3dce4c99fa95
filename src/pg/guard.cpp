#include "guard.hpp"

#include <cstring>
#include <new>
#include <string_view>

#include "../core/error.hpp"
#include "../core/text.hpp"

namespace sora::pg {

namespace {

// A C++ error copied into plain buffers inside the catch block, so that nothing with a
// destructor is alive when ereport jumps away. Texts longer than a buffer are cut.
struct PendingError {
  char sqlstate[6] = "XX000";
  char message[1024] = "";
  char detail[1024] = "";
  char hint[512] = "";
};

// Copies as much of text as fits, never cutting a character in two: a message ending in half
// a UTF-8 sequence would be refused when the client's encoding is converted, and its own
// error would replace this one.
void copy_text(char* out, std::size_t size, std::string_view text) {
  std::size_t length = core::utf8_prefix_bytes(text, size - 1);
  std::memcpy(out, text.data(), length);
  out[length] = '\0';
}

}  // namespace

ErrorData* catch_pg_error(void (*call)(void*) noexcept, void* arg) noexcept {
  MemoryContext caller_context = CurrentMemoryContext;
  ErrorData* volatile error = nullptr;
  PG_TRY();
  {
    call(arg);
  }
  PG_CATCH();
  {
    MemoryContextSwitchTo(caller_context);
    error = CopyErrorData();
    FlushErrorState();
  }
  PG_END_TRY();
  return error;
}

void at_boundary(void (*call)(void*), void* arg) noexcept {
  ErrorData* pg_error = nullptr;
  PendingError pending;
  try {
    call(arg);
    return;
  } catch (const PgError& e) {
    pg_error = e.data();
  } catch (const core::Error& e) {
    copy_text(pending.sqlstate, sizeof pending.sqlstate, e.sqlstate());
    copy_text(pending.message, sizeof pending.message, e.message());
    copy_text(pending.detail, sizeof pending.detail, e.detail());
    copy_text(pending.hint, sizeof pending.hint, e.hint());
  } catch (const std::bad_alloc&) {
    copy_text(pending.sqlstate, sizeof pending.sqlstate, "53200");
    copy_text(pending.message, sizeof pending.message, "sora_credits: out of memory");
  } catch (const std::exception& e) {
    constexpr std::string_view kInternal = "sora_credits internal error: ";
    copy_text(pending.message, sizeof pending.message, kInternal);
    copy_text(pending.message + kInternal.size(), sizeof pending.message - kInternal.size(),
              e.what());
  } catch (...) {
    copy_text(pending.message, sizeof pending.message, "sora_credits internal error");
  }
  // Outside every catch block: now it is safe to leave by longjmp.
  if (pg_error != nullptr) ReThrowError(pg_error);
  const char* s = pending.sqlstate;
  ereport(ERROR, (errcode(MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4])),
                  errmsg_internal("%s", pending.message),
                  pending.detail[0] ? errdetail_internal("%s", pending.detail) : 0,
                  pending.hint[0] ? errhint("%s", pending.hint) : 0));
  pg_unreachable();
}

Datum boundary(FunctionCallInfo fcinfo, Impl impl) noexcept {
  Datum result = Datum(0);
  at_boundary([&] { result = impl(fcinfo); });
  return result;
}

}  // namespace sora::pg
