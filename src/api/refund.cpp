// refund_locked: the refund of one locked video (see refund.hpp).
#include <string>
#include <vector>

#include "../core/messages.hpp"
#include "../core/pricing.hpp"
#include "../core/video_state.hpp"
#include "lots.hpp"
#include "refund.hpp"
#include "../core/no_postgres.hpp"  // last: see the file

namespace sora::api {

namespace messages = core::messages;
using pg::Type;

Refund refund_locked(const pg::Uuid& video_id, const LockedVideo& video,
                     const std::string& reason) {
  static pg::Statement refund_entry(
      "SELECT id FROM @extschema@.credit_transactions "
      "WHERE user_id = $1 AND video_id = $2 AND kind = 'refund'",
      {Type::kUuid, Type::kUuid});
  // Each part is given its values ($6 the entry's id, $7 the balance after, known under the
  // profile lock), as in a charge (videos.cpp); no row (another balance) is an error.
  static pg::Statement write(
      "WITH video AS ("
      "  UPDATE @extschema@.videos SET status = 'failed', error_message = $4,"
      "         refunded_at = now(), updated_at = now() WHERE id = $2 AND user_id = $1"
      "), profile AS ("
      "  UPDATE @extschema@.profiles SET credits = credits + $3,"
      "         credits_reserved = credits_reserved - $3, lifetime_refunded = lifetime_refunded + $3,"
      "         last_transaction_at = now(), updated_at = now()"
      "  WHERE id = $1 RETURNING credits"
      "), entry AS ("
      "  INSERT INTO @extschema@.credit_transactions"
      "         (id, user_id, video_id, amount, balance_after, kind, description)"
      "  OVERRIDING SYSTEM VALUE VALUES ($6, $1, $2, $3, $7, 'refund', $5) RETURNING id"
      ") SELECT profile.credits FROM profile, entry WHERE profile.credits = $7",
      {Type::kUuid, Type::kUuid, Type::kInt8, Type::kText, Type::kText, Type::kInt8, Type::kInt8});

  std::int64_t cost = video.credits_cost;
  // The user's expired lots are written off first, so a lot that expired since the charge
  // holds nothing when it is refunded.
  SettledLots lots = settle_lots(video.owner, video.balance);
  std::int64_t balance = lots.balance;
  Refund refund;
  if (core::refund_transition(video.status) == core::Transition::kAlreadyDone) {
    refund.credits_remaining = balance;
    refund.transaction_id =
        refund_entry.run({pg::param(video.owner), pg::param(video_id)}).int64_at(0, "id");
    refund.already_refunded = true;
    return refund;
  }
  core::require_room_for(cost, balance);
  std::vector<ChargedLot> charged;
  if (lots.enabled) charged = charge_allocations(video.owner, video_id);
  refund.transaction_id = pg::next_value("credit_transactions_id_seq");
  refund.credits_remaining = balance + cost;  // require_room_for holds it
  write
      .run({pg::param(video.owner), pg::param(video_id), pg::param(cost), pg::param(reason),
            pg::param(messages::refund_description(reason)), pg::param(refund.transaction_id),
            pg::param(refund.credits_remaining)})
      .int64_at(0, "credits");
  refund.credits_refunded = cost;
  if (lots.enabled) {
    refund.credits_remaining = refund_to_lots(video.owner, refund.transaction_id, cost, charged,
                                              refund.credits_remaining);
  }
  return refund;
}

}  // namespace sora::api
