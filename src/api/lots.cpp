#include "lots.hpp"

#include <stdexcept>
#include <string>
#include <utility>

#include "../core/messages.hpp"
#include "locks.hpp"
#include "../core/no_postgres.hpp"  // last: see the file

namespace sora::api {

using pg::Type;

namespace {

// Writes off what is left in one lot (`remaining`, read under the profile lock): remaining
// to 0, the balance down by as much, and an expiry entry whose allocation names the lot.
// `balance` is the stored balance before; returns the balance after. Each part is given its
// values, as in a charge (videos.cpp), and the statement returns its row only if the lot
// held what was read and the balance is the one the entry records.
std::int64_t expire_lot(const pg::Uuid& user, std::int64_t lot_id, std::int64_t remaining,
                        std::string_view category, std::int64_t balance) {
  static pg::Statement write(
      "WITH lot AS ("
      "  UPDATE @extschema@.credit_lots SET remaining = 0"
      "  WHERE id = $2 AND user_id = $1 AND remaining = $3 RETURNING id"
      "), profile AS ("
      "  UPDATE @extschema@.profiles SET credits = credits - $3,"
      "         lifetime_expired = lifetime_expired + $3,"
      "         last_transaction_at = now(), updated_at = now()"
      "  WHERE id = $1 RETURNING credits"
      "), entry AS ("
      "  INSERT INTO @extschema@.credit_transactions"
      "         (id, user_id, amount, balance_after, kind, description)"
      "  OVERRIDING SYSTEM VALUE VALUES ($4, $1, -$3, $5, 'expiry', $6) RETURNING id"
      "), allocation AS ("
      "  INSERT INTO @extschema@.credit_allocations (transaction_id, lot_id, user_id, amount)"
      "  VALUES ($4, $2, $1, $3) RETURNING transaction_id"
      ") SELECT profile.credits FROM lot, profile, entry, allocation WHERE profile.credits = $5",
      {Type::kUuid, Type::kInt8, Type::kInt8, Type::kInt8, Type::kInt8, Type::kText});
  std::int64_t balance_after = balance - remaining;  // remaining is part of the balance
  write.run({pg::param(user), pg::param(lot_id), pg::param(remaining),
             pg::param(pg::next_value("credit_transactions_id_seq")), pg::param(balance_after),
             pg::param(core::messages::lot_expiry_description(lot_id, category))})
      .int64_at(0, "credits");
  return balance_after;
}

// A refund's credits given back to the lots its charge took them from.
void give_back(const pg::Uuid& user, std::int64_t transaction_id,
               const std::vector<core::Take>& takes) {
  static SplitStatements write(
      [](std::size_t lots) {
        return "WITH " + move_credits_ctes({"$1", "$4", "$2", "$3", "+", ""}, lots) +
               " SELECT " SORA_MOVED_COLUMNS;
      },
      {Type::kUuid, Type::kInt8Array, Type::kInt8Array, Type::kInt8});
  MoveParams params = move_params(takes);
  require_moved(write.sized(takes.size())
                    .run({pg::param(user), pg::param(params.lots), pg::param(params.amounts),
                          pg::param(transaction_id)}),
                takes.size());
}

}  // namespace

bool has_lots() { return pg::bound_schema_has_table("credit_lots"); }

std::string move_credits_ctes(const Move& move, std::size_t takes) {
  if (takes == 0) throw std::logic_error("sora_credits: a move of credits over no lots");
  const std::string user = move.user;
  const std::string lots = std::string(move.lots) + "::bigint[]";
  const std::string amounts = std::string(move.amounts) + "::bigint[]";
  std::string rows;  // (entry, lots[i], user, amounts[i]) for each lot i of the split
  for (std::size_t i = 1; i <= takes; ++i) {
    const std::string at = "[" + std::to_string(i) + "]";
    if (i > 1) rows += ", ";
    rows += "(" + std::string(move.entry) + ", (" + lots + ")" + at + ", " + user + ", (" +
            amounts + ")" + at + ")";
  }
  return "moved AS ("
         "  UPDATE @extschema@.credit_lots l SET remaining = l.remaining " + std::string(move.sign) +
         " m.amount FROM unnest(" + lots + ", " + amounts + ") AS m(lot_id, amount)"
         "  WHERE l.id = m.lot_id AND l.id = ANY(" + lots + ") AND l.user_id = " + user + " " +
         move.lots_condition + " RETURNING l.id"
         "), allocation AS ("
         "  INSERT INTO @extschema@.credit_allocations (transaction_id, lot_id, user_id, amount)"
         "  VALUES " + rows + " RETURNING lot_id)";
}

SplitStatements::SplitStatements(Sql sql, std::vector<pg::Type> param_types)
    : sql_(sql), param_types_(std::move(param_types)) {}

pg::Statement& SplitStatements::sized(std::size_t takes) {
  auto found = statements_.find(takes);
  if (found == statements_.end()) {
    found = statements_.try_emplace(takes, sql_(takes), param_types_).first;
  }
  return found->second;
}

MoveParams move_params(const std::vector<core::Take>& takes) {
  MoveParams params;
  for (const core::Take& take : takes) {
    params.lots.push_back(take.lot_id);
    params.amounts.push_back(take.amount);
  }
  return params;
}

void require_moved(const pg::Result& written, std::size_t takes) {
  auto expected = static_cast<std::int64_t>(takes);
  if (written.int64_at(0, "moved") != expected || written.int64_at(0, "allocated") != expected) {
    throw core::messages::row_missing();
  }
}

SettledLots settle_lots(const pg::Uuid& user, std::int64_t balance) {
  // Served by credit_lots_live_idx, in its order: the expired lots (soonest expires_at) come
  // first, then the live ones in spending order. Expired by the transaction's start ($2,
  // now() on one server), as every judgement of time here is: a cluster runs a SELECT on a
  // worker, whose now() is its own transaction's, but takes the writes' now() (the expiry
  // entry's created_at) from the coordinator, whose start this is.
  static pg::Statement lots(
      "SELECT id, remaining, category, (expires_at <= $2) IS TRUE AS expired "
      "FROM @extschema@.credit_lots WHERE user_id = $1 AND NOT depleted "
      "ORDER BY expires_at, category DESC, created_at, id",
      {Type::kUuid, Type::kTimestamptz});
  SettledLots settled;
  settled.balance = balance;
  settled.spendable = balance;
  settled.enabled = has_lots();
  if (!settled.enabled) return settled;
  pg::Result rows = lots.run({pg::param(user), pg::timestamp_param(pg::transaction_start())});
  for (std::uint64_t i = 0; i < rows.rows(); ++i) {
    core::LiveLot lot{rows.int64_at(i, "id"), rows.int64_at(i, "remaining")};
    if (!rows.bool_at(i, "expired")) {
      settled.live.push_back(lot);
      continue;
    }
    settled.balance =
        expire_lot(user, lot.id, lot.remaining, rows.text_at(i, "category"), settled.balance);
    ++settled.lots_expired;
    settled.credits_expired += lot.remaining;
  }
  settled.spendable = core::spendable(settled.live);
  return settled;
}

void add_lot(const pg::Uuid& user, std::int64_t transaction_id, std::string_view kind,
             core::Category category, std::int64_t amount, std::optional<pg::Timestamp> expires_at) {
  // The entry's allocation to its lot records the credits it gave, like every other move.
  // The lot's id ($7) is given to both inserts, as in a charge (videos.cpp).
  static pg::Statement write(
      "WITH lot AS ("
      "  INSERT INTO @extschema@.credit_lots"
      "         (id, user_id, transaction_id, kind, category, amount, remaining, expires_at)"
      "  OVERRIDING SYSTEM VALUE VALUES ($7, $1, $2, $3, $4, $5, $5, $6) RETURNING id"
      "), allocation AS ("
      "  INSERT INTO @extschema@.credit_allocations (transaction_id, lot_id, user_id, amount)"
      "  VALUES ($2, $7, $1, $5) RETURNING lot_id"
      ") SELECT lot.id FROM lot, allocation",
      {Type::kUuid, Type::kInt8, Type::kText, Type::kText, Type::kInt8, Type::kTimestamptz,
       Type::kInt8});
  write
      .run({pg::param(user), pg::param(transaction_id), pg::param(kind),
            pg::param(core::category_name(category)), pg::param(amount),
            pg::timestamp_param(expires_at), pg::param(pg::next_value("credit_lots_id_seq"))})
      .int64_at(0, "id");
}

std::optional<LotTerms> lot_of(const pg::Uuid& user, std::int64_t transaction_id) {
  static pg::Statement lot(
      "SELECT l.category, l.expires_at FROM @extschema@.credit_allocations a "
      "JOIN @extschema@.credit_lots l"
      "  ON l.user_id = a.user_id AND l.id = a.lot_id AND l.transaction_id = a.transaction_id "
      "WHERE a.user_id = $1 AND a.transaction_id = $2",
      {Type::kUuid, Type::kInt8});
  pg::Result row = lot.run({pg::param(user), pg::param(transaction_id)});
  if (row.rows() == 0) return std::nullopt;
  return LotTerms{row.text_at(0, "category"), row.optional_timestamp_at(0, "expires_at")};
}

std::vector<ChargedLot> charge_allocations(const pg::Uuid& owner, const pg::Uuid& video_id) {
  static pg::Statement allocations(
      "SELECT a.lot_id, a.amount, l.category, (l.expires_at <= $3) IS TRUE AS expired "
      "FROM @extschema@.credit_transactions t "
      "JOIN @extschema@.credit_allocations a ON a.user_id = t.user_id AND a.transaction_id = t.id "
      "JOIN @extschema@.credit_lots l ON l.user_id = a.user_id AND l.id = a.lot_id "
      "WHERE t.user_id = $1 AND t.video_id = $2 AND t.kind = 'video_generation' "
      "ORDER BY a.lot_id",
      {Type::kUuid, Type::kUuid, Type::kTimestamptz});  // $3: as in settle_lots
  pg::Result rows = allocations.run({pg::param(owner), pg::param(video_id),
                                     pg::timestamp_param(pg::transaction_start())});
  std::vector<ChargedLot> charged;
  for (std::uint64_t i = 0; i < rows.rows(); ++i) {
    charged.push_back({{rows.int64_at(i, "lot_id"), rows.int64_at(i, "amount")},
                       rows.bool_at(i, "expired"), rows.text_at(i, "category")});
  }
  return charged;
}

std::int64_t refund_to_lots(const pg::Uuid& user, std::int64_t transaction_id, std::int64_t amount,
                            const std::vector<ChargedLot>& charged, std::int64_t balance) {
  if (charged.empty()) {
    add_lot(user, transaction_id, "refund", core::Category::kPaid, amount, std::nullopt);
    return balance;
  }
  std::vector<core::Take> takes;
  for (const ChargedLot& lot : charged) takes.push_back(lot.take);
  give_back(user, transaction_id, takes);
  for (const ChargedLot& lot : charged) {
    if (!lot.expired) continue;
    // settle_lots wrote the expired lot off, so it holds what was just given back.
    balance = expire_lot(user, lot.take.lot_id, lot.take.amount, lot.category, balance);
  }
  return balance;
}

LotExpiry expire_due_lots() {
  // Listed without locks from credit_lots_expiring_idx, which holds only lots that can
  // expire and have credits left; each user is then locked without waiting and settled,
  // which reads the lots again under the lock.
  static pg::Statement due(
      "SELECT DISTINCT user_id FROM @extschema@.credit_lots "
      "WHERE NOT depleted AND expires_at IS NOT NULL AND expires_at <= $1",
      {Type::kTimestamptz});  // $1: as in settle_lots
  pg::Result users = due.run({pg::timestamp_param(pg::transaction_start())});
  LotExpiry expiry;
  for (std::uint64_t i = 0; i < users.rows(); ++i) {
    pg::Uuid user = users.uuid_at(i, "user_id");
    std::optional<LockedProfile> profile = try_lock_profile(user);
    if (!profile) continue;
    SettledLots settled = settle_lots(user, profile->credits);
    expiry.lots_expired += settled.lots_expired;
    expiry.credits_expired += settled.credits_expired;
  }
  return expiry;
}

}  // namespace sora::api
