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
  static pg::Statement write(
      "WITH video AS ("
      "  UPDATE @extschema@.videos SET status = 'failed', error_message = $4,"
      "         refunded_at = now(), updated_at = now() WHERE id = $2 AND user_id = $1"
      "), profile AS ("
      "  UPDATE @extschema@.profiles SET credits = credits + $3,"
      "         credits_reserved = credits_reserved - $3, lifetime_refunded = lifetime_refunded + $3,"
      "         last_transaction_at = now(), updated_at = now()"
      "  WHERE id = $1 RETURNING credits"
      ") INSERT INTO @extschema@.credit_transactions"
      "         (user_id, video_id, amount, balance_after, kind, description)"
      "  SELECT $1, $2, $3, profile.credits, 'refund', $5 FROM profile"
      "  RETURNING id, balance_after",
      {Type::kUuid, Type::kUuid, Type::kInt8, Type::kText, Type::kText});

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
  pg::Result written = write.run({pg::param(video.owner), pg::param(video_id), pg::param(cost),
                                  pg::param(reason),
                                  pg::param(messages::refund_description(reason))});
  refund.credits_refunded = cost;
  refund.credits_remaining = written.int64_at(0, "balance_after");
  refund.transaction_id = written.int64_at(0, "id");
  if (lots.enabled) {
    refund.credits_remaining = refund_to_lots(video.owner, refund.transaction_id, cost, charged,
                                              refund.credits_remaining);
  }
  return refund;
}

}  // namespace sora::api
