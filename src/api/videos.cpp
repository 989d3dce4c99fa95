// Video jobs: charge, refund, complete, claim, soft delete, restore.
#include <limits>
#include <string>
#include <vector>

#include "../core/messages.hpp"
#include "../core/json.hpp"
#include "../core/pricing.hpp"
#include "../core/validation.hpp"
#include "../core/video_state.hpp"
#include "../pg/args.hpp"
#include "../pg/caller.hpp"
#include "../pg/rowset.hpp"
#include "../pg/settings.hpp"
#include "api.hpp"
#include "locks.hpp"
#include "lots.hpp"
#include "own_rows.hpp"
#include "refund.hpp"
#include "../core/no_postgres.hpp"  // last: see the file

namespace sora::api {

namespace {

namespace messages = core::messages;
using core::JsonObject;
using pg::Type;

pg::Uuid signed_in_user() {
  pg::Caller caller = pg::current_caller();
  if (!caller.user_id) throw messages::not_authenticated();
  return *caller.user_id;
}

pg::Uuid required_video_id(FunctionCallInfo fcinfo) {
  std::optional<pg::Uuid> id = pg::read_uuid(fcinfo, 0);
  core::require_video_id(id.has_value());
  return *id;
}

// sora_credits.max_inflight_per_user, checked under the profile lock: every change of a
// video's status into or out of pending/processing takes that lock too, except claiming
// (pending -> processing), which leaves the count alone; so concurrent charges cannot
// overshoot the cap. The count reads the partial index videos_user_inflight_idx (1.1),
// which holds only jobs in flight, never the user's history; without it (a database
// still at 1.0) the statement is the same, only slower.
void require_below_inflight_cap(const pg::Uuid& user) {
  static pg::Statement in_flight(
      "SELECT count(*) AS in_flight FROM @extschema@.videos "
      "WHERE user_id = $1 AND status IN ('pending', 'processing')",
      {Type::kUuid});
  std::int64_t limit = pg::max_inflight_per_user();
  if (limit == 0) return;
  std::int64_t count = in_flight.run({pg::param(user)}).int64_at(0, "in_flight");
  if (count >= limit) throw messages::too_many_in_flight(count, limit);
}

struct Charge {
  pg::Uuid video_id;
  std::string status;
  std::int64_t credits_charged = 0;
  std::int64_t credits_remaining = 0;
  std::int64_t transaction_id = 0;
  bool idempotent_replay = false;
  std::string created_at;
};

// The writes of a charge: video, balance and counters, ledger entry. Each part is given its
// values ($9 the video's id, $10 the entry's, $11 the balance after, known under the
// profile lock) instead of reading another part's: on a Citus cluster every part then goes
// to the user's shard alone (a part that reads another's is run through results that Citus
// also sends to the other workers). The statement returns its row only if the balance is
// the one the entry records; no row is an error, which undoes it.
#define SORA_CHARGE_CTES                                                                         \
  "WITH video AS ("                                                                              \
  "  INSERT INTO @extschema@.videos (id, user_id, prompt, model, resolution, duration_seconds,"  \
  "                                  credits_cost, idempotency_key)"                             \
  "  VALUES ($9, $1, $2, $3, $4, $5, $6, $7) RETURNING status, created_at"                       \
  "), profile AS ("                                                                              \
  "  UPDATE @extschema@.profiles SET credits = credits - $6,"                                    \
  "         credits_reserved = credits_reserved + $6, lifetime_spent = lifetime_spent + $6,"     \
  "         active_videos = active_videos + 1, last_transaction_at = now(), updated_at = now()"  \
  "  WHERE id = $1 RETURNING credits"                                                            \
  "), entry AS ("                                                                                \
  "  INSERT INTO @extschema@.credit_transactions"                                                \
  "         (id, user_id, video_id, amount, balance_after, kind, description)"                  \
  "  OVERRIDING SYSTEM VALUE VALUES ($10, $1, $9, -$6, $11, 'video_generation', $8) RETURNING id)"
#define SORA_CHARGE_RESULT " SELECT video.status, video.created_at, profile.credits"
#define SORA_CHARGE_FROM " FROM video, profile, entry WHERE profile.credits = $11"
#define SORA_CHARGE_PARAMS                                                                      \
  Type::kUuid, Type::kText, Type::kText, Type::kText, Type::kInt8, Type::kInt8, Type::kText,  \
      Type::kText, Type::kUuid, Type::kInt8, Type::kInt8

// The whole charge, in the caller's transaction: lock the profile (reading the price in the
// same statement), write off its expired lots (1.2), replay check, price check, balance
// check, then video + balance + ledger entry + the split over the lots in one statement.
// The checks keep the contract's order whatever the statements read.
Charge charge(FunctionCallInfo fcinfo, bool has_idempotency_key) {
  static pg::Statement replay(
      "SELECT v.id, v.prompt, v.duration_seconds, v.resolution, v.model, v.credits_cost, "
      "v.status, v.created_at, t.id AS transaction_id "
      "FROM @extschema@.videos v JOIN @extschema@.credit_transactions t "
      "ON t.user_id = v.user_id AND t.video_id = v.id AND t.kind = 'video_generation' "
      "WHERE v.user_id = $1 AND v.idempotency_key = $2",
      {Type::kUuid, Type::kText});
  // A database still at 1.0 or 1.1: no lots.
  static pg::Statement write(SORA_CHARGE_CTES SORA_CHARGE_RESULT SORA_CHARGE_FROM,
                             {SORA_CHARGE_PARAMS});
  // 1.2: the split over the lots ($12, $13) in the same statement.
  static SplitStatements write_with_lots(
      [](std::size_t lots) {
        return SORA_CHARGE_CTES ", " +
               move_credits_ctes({"$1", "$10", "$12", "$13", "-", "AND NOT l.depleted"}, lots) +
               SORA_CHARGE_RESULT ", " SORA_MOVED_COLUMNS SORA_CHARGE_FROM;
      },
      {SORA_CHARGE_PARAMS, Type::kInt8Array, Type::kInt8Array});

  pg::TextArg prompt = pg::read_text(fcinfo, 0);
  std::optional<std::int32_t> duration = pg::read_int32(fcinfo, 1);
  pg::TextArg resolution = pg::read_text(fcinfo, 2);
  pg::TextArg model = pg::read_text(fcinfo, 3);
  pg::TextArg key = has_idempotency_key ? pg::read_text(fcinfo, 4) : pg::TextArg{};

  pg::Uuid user = signed_in_user();
  core::validate(core::VideoRequest{prompt.view, duration, resolution.view, model.view, key.view});

  LockedForCharge locked = lock_profile_for_charge(user, pg::param(model), pg::param(resolution));
  SettledLots lots = settle_lots(user, locked.profile.credits);
  std::int64_t balance = lots.spendable;

  Charge result;
  if (key.view) {
    pg::Result earlier = replay.run({pg::param(user), pg::param(key)});
    if (earlier.rows() > 0) {
      bool same = earlier.text_at(0, "prompt") == *prompt.view &&
                  earlier.int32_at(0, "duration_seconds") == *duration &&
                  earlier.text_at(0, "resolution") == *resolution.view &&
                  earlier.text_at(0, "model") == *model.view;
      if (!same) throw messages::idempotency_mismatch();
      result.video_id = earlier.uuid_at(0, "id");
      result.credits_charged = earlier.int64_at(0, "credits_cost");
      result.status = earlier.text_at(0, "status");
      result.created_at = pg::json_timestamp(earlier.timestamp_at(0, "created_at"));
      result.transaction_id = earlier.int64_at(0, "transaction_id");
      result.credits_remaining = balance;
      result.idempotent_replay = true;
      return result;
    }
  }

  // After the replay check: a retry is answered even if the price was withdrawn since, or
  // the user is at the in-flight cap (the retried video is already one of those in flight).
  if (!locked.credits_per_second) throw messages::unknown_price(*model.view, *resolution.view);
  std::int64_t cost = core::video_cost(*locked.credits_per_second, *duration);
  require_below_inflight_cap(user);
  core::require_balance(balance, cost);
  pg::Param description =
      pg::param(messages::charge_description(*model.view, *resolution.view, *duration));
  result.video_id = pg::random_uuid();
  result.transaction_id = pg::next_value("credit_transactions_id_seq");
  // The stored balance, which the expired lots have left (settle_lots); cannot underflow,
  // the balance check above holds.
  std::int64_t balance_after = lots.balance - cost;
  pg::Result written;
  if (lots.enabled) {
    std::vector<core::Take> takes = core::split_charge(lots.live, cost);
    MoveParams split = move_params(takes);
    written = write_with_lots.sized(takes.size()).run(
        {pg::param(user), pg::param(prompt), pg::param(model), pg::param(resolution),
         pg::param(std::int64_t{*duration}), pg::param(cost), pg::param(key), description,
         pg::param(result.video_id), pg::param(result.transaction_id), pg::param(balance_after),
         pg::param(split.lots), pg::param(split.amounts)});
    require_moved(written, takes.size());
  } else {
    written = write.run({pg::param(user), pg::param(prompt), pg::param(model),
                         pg::param(resolution), pg::param(std::int64_t{*duration}),
                         pg::param(cost), pg::param(key), description, pg::param(result.video_id),
                         pg::param(result.transaction_id), pg::param(balance_after)});
  }
  result.status = written.text_at(0, "status");
  result.created_at = pg::json_timestamp(written.timestamp_at(0, "created_at"));
  result.credits_remaining = written.int64_at(0, "credits");
  result.credits_charged = cost;
  return result;
}

}  // namespace

Datum create_video_generation(FunctionCallInfo fcinfo) {
  pg::spi_begin(fcinfo);
  Charge c = charge(fcinfo, true);
  pg::spi_end();
  return pg::jsonb_result(JsonObject()
                              .boolean("success", true)
                              .text("video_id", c.video_id.text())
                              .text("status", c.status)
                              .integer("credits_charged", c.credits_charged)
                              .integer("credits_remaining", c.credits_remaining)
                              .integer("transaction_id", c.transaction_id)
                              .boolean("idempotent_replay", c.idempotent_replay)
                              .text("created_at", c.created_at)
                              .str());
}

Datum create_video_request(FunctionCallInfo fcinfo) {
  pg::spi_begin(fcinfo);
  Charge c = charge(fcinfo, false);
  pg::spi_end();
  return pg::uuid_result(c.video_id);
}

Datum refund_video_credits(FunctionCallInfo fcinfo) {
  pg::Uuid video_id = required_video_id(fcinfo);
  std::string reason = core::refund_reason(pg::read_text(fcinfo, 1).view);
  std::optional<pg::Uuid> owner = pg::read_uuid(fcinfo, 2);  // 2.0's p_user_id
  pg::spi_begin(fcinfo);
  Refund refund = refund_locked(video_id, lock_video(video_id, owner), reason);
  pg::spi_end();
  return pg::jsonb_result(JsonObject()
                              .boolean("success", true)
                              .text("video_id", video_id.text())
                              .integer("credits_refunded", refund.credits_refunded)
                              .integer("credits_remaining", refund.credits_remaining)
                              .integer("transaction_id", refund.transaction_id)
                              .boolean("already_refunded", refund.already_refunded)
                              .str());
}

Datum complete_video_generation(FunctionCallInfo fcinfo) {
  static pg::Statement write(
      "WITH video AS ("
      "  UPDATE @extschema@.videos SET status = 'completed', video_url = $3, updated_at = now()"
      "  WHERE id = $2 AND user_id = $1"
      ") UPDATE @extschema@.profiles SET credits_reserved = credits_reserved - $4,"
      "         updated_at = now() WHERE id = $1",
      {Type::kUuid, Type::kUuid, Type::kText, Type::kInt8});

  pg::Uuid video_id = required_video_id(fcinfo);
  pg::TextArg url = pg::read_text(fcinfo, 1);
  core::validate_video_url(url.view);
  std::optional<pg::Uuid> owner = pg::read_uuid(fcinfo, 2);  // 2.0's p_user_id
  pg::spi_begin(fcinfo);
  LockedVideo video = lock_video(video_id, owner);
  bool same_url = video.video_url == *url.view;
  bool already =
      core::complete_transition(video.status, same_url) == core::Transition::kAlreadyDone;
  if (!already) {
    write.run({pg::param(video.owner), pg::param(video_id), pg::param(url),
               pg::param(video.credits_cost)});
  }
  pg::spi_end();
  return pg::jsonb_result(JsonObject()
                              .boolean("success", true)
                              .text("video_id", video_id.text())
                              .text("status", "completed")
                              .text("video_url", *url.view)
                              .boolean("already_completed", already)
                              .str());
}

Datum claim_video_jobs(FunctionCallInfo fcinfo) {
  // The oldest pending jobs, read without locks from videos_pending_idx, after the last one
  // tried ($2, $3: -infinity and the nil uuid at first); then each is claimed on its own,
  // in its owner's rows (on a cluster, a FOR UPDATE must stay on one shard). SKIP LOCKED:
  // concurrent workers take disjoint jobs and never wait for each other; a job taken
  // meanwhile is passed over and the next ones are read. Claiming changes no credits
  // (pending and processing both hold them), so no profile lock.
  static pg::Statement oldest(
      "SELECT id, user_id, created_at FROM @extschema@.videos "
      "WHERE status = 'pending' AND (created_at, id) > ($2, $3) "
      "ORDER BY created_at, id LIMIT $1",
      {Type::kInt8, Type::kTimestamptz, Type::kUuid});
  static pg::Statement claim(
      "WITH next AS ("
      "  SELECT id FROM @extschema@.videos WHERE id = $1 AND user_id = $2 AND status = 'pending'"
      "  FOR UPDATE SKIP LOCKED"
      ") UPDATE @extschema@.videos v SET status = 'processing', updated_at = now()"
      "  FROM next WHERE v.id = next.id AND v.user_id = $2 RETURNING v.*",
      {Type::kUuid, Type::kUuid});

  std::optional<std::int32_t> limit = pg::read_int32(fcinfo, 0);
  core::validate_claim_limit(limit);
  // Every claimed job must reach the worker: a job claimed but cut from the result (by a
  // LIMIT, OFFSET or filter around the call, such as PostgREST's limit, Range and filters)
  // would hold its credits until expire_stale_videos. Refused before anything is claimed.
  if (pg::rows_may_be_dropped(fcinfo, *limit)) throw messages::claim_result_cut();
  pg::require_writable("claim_video_jobs()");
  pg::spi_begin(fcinfo);
  std::vector<pg::Result> jobs;
  pg::Timestamp after_created = std::numeric_limits<pg::Timestamp>::min();  // -infinity
  pg::Uuid after_id{};
  while (jobs.size() < static_cast<std::size_t>(*limit)) {
    auto wanted = static_cast<std::int64_t>(*limit) - static_cast<std::int64_t>(jobs.size());
    pg::Result next = oldest.run(
        {pg::param(wanted), pg::timestamp_param(after_created), pg::param(after_id)});
    if (next.rows() == 0) break;
    for (std::uint64_t i = 0; i < next.rows(); ++i) {
      pg::Result job =
          claim.run({pg::param(next.uuid_at(i, "id")), pg::param(next.uuid_at(i, "user_id"))});
      if (job.rows() > 0) jobs.push_back(job);
    }
    after_created = next.timestamp_at(next.rows() - 1, "created_at");
    after_id = next.uuid_at(next.rows() - 1, "id");
  }
  pg::return_rows(fcinfo, jobs);
  pg::spi_end();
  return Datum(0);
}

Datum list_deleted_videos(FunctionCallInfo fcinfo) {
  static pg::Statement deleted(
      "SELECT * FROM @extschema@.videos WHERE user_id = $1 AND deleted_at IS NOT NULL "
      "ORDER BY deleted_at DESC",
      {Type::kUuid});
  return return_own_rows(fcinfo, deleted);
}

namespace {

// Soft delete and restore: the owner, or service_role for anyone's video (of the user
// given as 2.0's p_user_id, when it is). A user who names another owner finds no video.
LockedVideo lock_for_caller(FunctionCallInfo fcinfo, const pg::Uuid& video_id) {
  std::optional<pg::Uuid> owner = pg::read_uuid(fcinfo, 1);
  pg::Caller caller = pg::current_caller();
  if (caller.is_service) return lock_video(video_id, owner);
  if (!caller.user_id) throw messages::not_authenticated();
  if (owner && !(*owner == *caller.user_id)) throw messages::video_not_found();
  return lock_video(video_id, caller.user_id);
}

}  // namespace

Datum soft_delete_video(FunctionCallInfo fcinfo) {
  static pg::Statement write(
      "WITH video AS ("
      "  UPDATE @extschema@.videos SET deleted_at = now(), updated_at = now()"
      "  WHERE id = $2 AND user_id = $1 RETURNING deleted_at"
      "), profile AS ("
      "  UPDATE @extschema@.profiles SET active_videos = active_videos - 1,"
      "         deleted_videos = deleted_videos + 1, updated_at = now() WHERE id = $1"
      ") SELECT deleted_at FROM video",
      {Type::kUuid, Type::kUuid});

  pg::Uuid video_id = required_video_id(fcinfo);
  pg::spi_begin(fcinfo);
  LockedVideo video = lock_for_caller(fcinfo, video_id);
  bool already = video.deleted_at.has_value();
  pg::Timestamp deleted_at = already ? *video.deleted_at
                                     : write.run({pg::param(video.owner), pg::param(video_id)})
                                           .timestamp_at(0, "deleted_at");
  pg::spi_end();
  return pg::jsonb_result(JsonObject()
                              .boolean("success", true)
                              .text("video_id", video_id.text())
                              .text("deleted_at", pg::json_timestamp(deleted_at))
                              .boolean("already_deleted", already)
                              .str());
}

Datum restore_video(FunctionCallInfo fcinfo) {
  static pg::Statement write(
      "WITH video AS ("
      "  UPDATE @extschema@.videos SET deleted_at = NULL, updated_at = now()"
      "  WHERE id = $2 AND user_id = $1"
      ") UPDATE @extschema@.profiles SET active_videos = active_videos + 1,"
      "         deleted_videos = deleted_videos - 1, updated_at = now() WHERE id = $1",
      {Type::kUuid, Type::kUuid});

  pg::Uuid video_id = required_video_id(fcinfo);
  pg::spi_begin(fcinfo);
  LockedVideo video = lock_for_caller(fcinfo, video_id);
  bool already_active = !video.deleted_at;
  if (!already_active) {
    if (pg::restore_window_passed(*video.deleted_at)) {
      throw messages::restore_window_passed(pg::restore_window_text());
    }
    write.run({pg::param(video.owner), pg::param(video_id)});
  }
  pg::spi_end();
  return pg::jsonb_result(JsonObject()
                              .boolean("success", true)
                              .text("video_id", video_id.text())
                              .boolean("already_active", already_active)
                              .str());
}

}  // namespace sora::api
