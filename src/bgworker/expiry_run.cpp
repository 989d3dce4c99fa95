// An expiry run: the stale jobs of one database, refunded in one transaction.
#include "expiry_run.hpp"

#include <string>

#include "../api/expire.hpp"
#include "../api/lots.hpp"
#include "../core/messages.hpp"
#include "../pg/background.hpp"
#include "../pg/settings.hpp"
#include "../pg/spi.hpp"
#include "../core/no_postgres.hpp"  // last: see the file

namespace sora::bgworker {

namespace messages = core::messages;

void run_main(Oid database) {
  static pg::Statement installed(
      "SELECT e.extnamespace, e.extversion FROM pg_catalog.pg_extension e "
      "WHERE e.extname = 'sora_credits'",
      {});
  bool loud = pg::worker_flag();
  std::string name =
      pg::begin_worker_transaction(database, "sora_credits: expiring stale video jobs");
  pg::spi_connect();
  pg::Result extension = installed.run({}, pg::Access::kReadOnly);
  pg::LogLevel level = loud ? pg::LogLevel::kLog : pg::LogLevel::kDebug1;
  std::string line;
  std::string lots_line;  // empty when no lot expired
  if (extension.rows() == 0) {
    line = messages::expiry_skipped_no_extension(name);
  } else if (std::string version = extension.text_at(0, "extversion"); version == "1.0") {
    line = messages::expiry_skipped_old_version(name, version);
  } else {
    pg::bind_schema(extension.oid_at(0, "extnamespace"));
    api::Expiry expiry = api::expire_stale(pg::job_timeout());
    line = messages::expiry_done(name, expiry.expired, expiry.credits_refunded,
                                 pg::job_timeout_text());
    level = expiry.expired > 0 ? pg::LogLevel::kLog : pg::LogLevel::kDebug1;
    // 1.2: the credits left in expired lots, in the same transaction.
    if (api::has_lots()) {
      api::LotExpiry lots = api::expire_due_lots();
      if (lots.lots_expired > 0) {
        lots_line = messages::credits_expired(name, lots.lots_expired, lots.credits_expired);
      }
    }
  }
  pg::spi_end();
  pg::commit_worker_transaction();
  // After the commit: the line reports only what is done.
  pg::log_line(level, line);
  if (!lots_line.empty()) pg::log_line(pg::LogLevel::kLog, lots_line);
}

}  // namespace sora::bgworker
