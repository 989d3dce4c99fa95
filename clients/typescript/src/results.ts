// The JSON results of the sora_credits functions, as named types. The generated
// database.types.ts can only say `Json` for a function that returns jsonb; these are the
// shapes docs/api.md promises (credit amounts are bigint in the database and plain JSON
// numbers on the wire; timestamps are ISO 8601 strings).
import type { Database, Tables } from "./database.types"

export type VideoStatus = "pending" | "processing" | "completed" | "failed"

/** Kinds of ledger entry grant_credits can write. */
export type GrantKind = "purchase" | "grant" | "adjustment" | "signup_bonus"

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

/** get_credit_info */
export type CreditInfo = {
  user_id: string
  credits: number
  credits_reserved: number
  lifetime_granted: number
  lifetime_spent: number
  lifetime_refunded: number
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

/** A row of verify_ledger: an account whose balance differs from its ledger. */
export type LedgerMismatch = Database["public"]["Functions"]["verify_ledger"]["Returns"][number]

/** The JSON `details` of a PT402 (insufficient credits) error. */
export type Shortfall = {
  credits: number
  required: number
  shortfall: number
}
