// The JSON results of the sora_credits functions, as named types. The generated
// database.types.ts can only say `Json` for a function that returns jsonb; these are the
// shapes docs/api.md promises (credit amounts are bigint in the database and plain JSON
// numbers on the wire; timestamps are ISO 8601 strings).
import type { Database, Tables } from "./database.types"

export type VideoStatus = "pending" | "processing" | "completed" | "failed"

/** Kinds of ledger entry grant_credits can write. */
export type GrantKind = "purchase" | "grant" | "adjustment" | "signup_bonus"

/**
 * Whether a lot's credits were paid for (1.2). Derived from the kind when not given:
 * purchase and adjustment are paid, grant and signup_bonus promotional.
 */
export type CreditCategory = "paid" | "promotional"

/** What created a credit lot: a grant of that kind, the refund of a charge made before 1.2, or the upgrade to 1.2. */
export type CreditLotKind = GrantKind | "refund" | "opening_balance"

/**
 * A row of `credit_lots` (list_credit_lots, 1.2): credits granted together, with their own
 * expiry (`expires_at` null: never). `remaining` is what is left to spend.
 */
export type CreditLot = Omit<Tables<"credit_lots">, "kind" | "category"> & {
  kind: CreditLotKind
  category: CreditCategory
}

/** A row of `videos` (list_deleted_videos, claim_video_jobs), with its status narrowed. */
export type Video = Omit<Tables<"videos">, "status"> & { status: VideoStatus }

/** create_video_generation */
export type CreateVideoResult = {
  success: true
  video_id: string
  /** `pending` for a new video; on a replay, the video's current status. */
  status: VideoStatus
  credits_charged: number
  credits_remaining: number
  transaction_id: number
  idempotent_replay: boolean
  created_at: string
}

/** soft_delete_video */
export type SoftDeleteResult = {
  success: true
  video_id: string
  deleted_at: string
  already_deleted: boolean
}

/** restore_video */
export type RestoreResult = {
  success: true
  video_id: string
  already_active: boolean
}

/** The soonest expiry among the user's live lots, and the credits that expire then. */
export type NextExpiry = {
  credits: number
  expires_at: string
}

/** get_credit_info */
export type CreditInfo = {
  user_id: string
  /** The spendable balance: credits in lots that have not expired (1.2). */
  credits: number
  /** Of `credits`, those in paid lots (1.2). */
  credits_paid: number
  /** Of `credits`, those in promotional lots (1.2); paid + promotional = credits. */
  credits_promotional: number
  /** null when no live credits expire (1.2). */
  next_expiry: NextExpiry | null
  credits_reserved: number
  lifetime_granted: number
  lifetime_spent: number
  lifetime_refunded: number
  /** All credits ever written off by expiry (1.2). */
  lifetime_expired: number
  active_videos: number
  deleted_videos: number
  last_transaction_at: string | null
}

/** refund_video_credits */
export type RefundResult = {
  success: true
  video_id: string
  /** Credits returned by this call: 0 when the video had already been refunded. */
  credits_refunded: number
  credits_remaining: number
  transaction_id: number
  already_refunded: boolean
}

/** complete_video_generation */
export type CompleteVideoResult = {
  success: true
  video_id: string
  status: "completed"
  video_url: string
  already_completed: boolean
}

/** grant_credits */
export type GrantCreditsResult = {
  success: true
  transaction_id: number
  /** On a replay, the amount of the original grant, although nothing was added. */
  credits_granted: number
  credits_remaining: number
  idempotent_replay: boolean
}

/** expire_credits (1.2) */
export type ExpireCreditsResult = {
  /** Lots written off by this call, one `expiry` ledger entry each. */
  lots_expired: number
  credits_expired: number
}

/**
 * A row of verify_ledger: one problem of one account (since 1.2 with the credits left in
 * its lots and the problem in words, e.g. "balance differs from the sum of the ledger").
 */
export type LedgerMismatch = Database["public"]["Functions"]["verify_ledger"]["Returns"][number]

/** The JSON `details` of a PT402 (insufficient credits) error. */
export type Shortfall = {
  credits: number
  required: number
  shortfall: number
}
