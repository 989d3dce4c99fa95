// Credit lots (1.2): every grant is a lot with its own expiry; a charge takes credits from
// the user's live lots in spending order and records the split (credit_allocations); a
// refund gives each lot back what its charge took; what is left in an expired lot is
// written off by a ledger entry of kind expiry. Every function here needs the user's
// profile lock (locks.hpp), which every change of a user's lots takes first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../core/lots.hpp"
#include "../pg/spi.hpp"

namespace sora::api {

// Whether the extension's tables have lots: the library also serves databases whose
// extension is still at 1.0 or 1.1, where a balance is one number and none of this applies.
bool has_lots();

// A user's lots once the expired ones are written off.
struct SettledLots {
  bool enabled = false;             // has_lots(); when not, only balance and spendable are set
  std::vector<core::LiveLot> live;  // in spending order
  std::int64_t balance = 0;         // the stored balance now
  std::int64_t spendable = 0;       // what the live lots hold: the balance, as the invariants say
  std::int64_t lots_expired = 0;
  std::int64_t credits_expired = 0;
};

// Writes off (one expiry entry each) the user's lots that are past expires_at with credits
// left, and returns the live lots. `balance` is the stored balance read under the lock.
// Every change of a user's credits starts with it, so credits past their expiry are never
// spent nor counted, even before a sweep reached them.
SettledLots settle_lots(const pg::Uuid& user, std::int64_t balance);

// A new lot of `amount` for the ledger entry that created it (and that entry's allocation).
void add_lot(const pg::Uuid& user, std::int64_t transaction_id, std::string_view kind,
             core::Category category, std::int64_t amount, std::optional<pg::Timestamp> expires_at);

// The category and expiry of the lot a grant created; nullopt for a grant made before 1.2.
struct LotTerms {
  std::string category;
  std::optional<pg::Timestamp> expires_at;
};
std::optional<LotTerms> lot_of(const pg::Uuid& user, std::int64_t transaction_id);

// A move of credits between a ledger entry and the lots of a split, as SQL for the
// statement that writes the entry (so that a charge takes its split in the statement that
// writes it): two CTEs, `moved` (the lots changed) and `allocation` (the rows recorded).
// The lots are found by id (the ANY, without which the planner scans the whole table while
// it is small) and by the user, which keeps the statement on the user's shard of a cluster.
// A charge takes from live lots only ("NOT l.depleted"), and says so: the plan then reads
// the user's lots from credit_lots_live_idx, never the spent ones. A lot of the split that
// is not the user's (or not live) is not moved, which require_moved refuses (the error
// rolls the statement back). The allocations are inserted as one VALUES row per lot of the
// split, not selected from the arrays: on a Citus cluster an INSERT ... SELECT that reads
// no table runs through the coordinator, which copies its rows to the shard and commits
// with two-phase commit, where VALUES rows go to the user's shard in the statement itself.
struct Move {
  const char* user;            // SQL for the user's uuid
  const char* entry;           // the entry's id
  const char* lots;            // the lot ids, bigint[]
  const char* amounts;         // the amounts, bigint[], in the order of the lots
  const char* sign;            // "-" takes, "+" gives back
  const char* lots_condition;  // what else the lots must be (SQL on l), or ""
};
std::string move_credits_ctes(const Move& move, std::size_t takes);

// A statement that holds a move: its SQL names each lot of the split, so there is one per
// number of lots, prepared when a split of that size first needs it.
class SplitStatements {
 public:
  using Sql = std::string (*)(std::size_t takes);
  SplitStatements(Sql sql, std::vector<pg::Type> param_types);
  pg::Statement& sized(std::size_t takes);

 private:
  Sql sql_;
  std::vector<pg::Type> param_types_;
  std::map<std::size_t, pg::Statement> statements_;
};

// What the statement returns about the move, as columns `moved` (the user's lots changed)
// and `allocated`.
#define SORA_MOVED_COLUMNS                                      \
  "(SELECT count(*) FROM moved) AS moved,"                      \
  " (SELECT count(*) FROM allocation) AS allocated"

// The lot ids and the amounts of a split, as the two array parameters of the CTEs.
struct MoveParams {
  std::vector<std::int64_t> lots;
  std::vector<std::int64_t> amounts;
};
MoveParams move_params(const std::vector<core::Take>& takes);
// P0002 unless the statement moved credits from or to every lot of the split, and recorded it.
void require_moved(const pg::Result& written, std::size_t takes);

// What the charge of a video took from each lot.
struct ChargedLot {
  core::Take take;
  bool expired = false;  // the lot is past its expires_at now
  std::string category;
};
std::vector<ChargedLot> charge_allocations(const pg::Uuid& owner, const pg::Uuid& video_id);

// The lot side of a refund entry of `amount`, after settle_lots: gives each lot back what
// the charge took, and writes off at once what it gave to lots that have expired, so a
// refund never revives expired credits; a charge made before 1.2 (no allocations) is
// refunded as a new never-expiring paid lot. Returns the balance after.
std::int64_t refund_to_lots(const pg::Uuid& user, std::int64_t transaction_id, std::int64_t amount,
                            const std::vector<ChargedLot>& charged, std::int64_t balance);

// expire_credits(): settles every user who has lots past expires_at with credits left and
// whose profile no other transaction holds (SKIP LOCKED: a busy user is settled by their own
// call, or the next sweep).
struct LotExpiry {
  std::int64_t lots_expired = 0;
  std::int64_t credits_expired = 0;
};
LotExpiry expire_due_lots();

}  // namespace sora::api
