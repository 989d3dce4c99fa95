// A small typed wrapper over supabase-js for the sora_credits functions: named parameters
// in camelCase, named result types, and errors thrown as the classes of ./errors instead
// of returned as { error }. Each method is one `supabase.rpc` POST; an option left out is
// not sent, so the database applies its documented default.
import type { SupabaseClient } from "@supabase/supabase-js"

import type { Database } from "./database.types"
import { toSoraError, type PostgrestErrorLike } from "./errors"
import type {
  CompleteVideoResult,
  CreateVideoResult,
  CreditCategory,
  CreditInfo,
  CreditLot,
  ExpireCreditsResult,
  GrantCreditsResult,
  GrantKind,
  LedgerMismatch,
  RefundResult,
  RestoreResult,
  SoftDeleteResult,
  Video,
} from "./results"

export type CreateVideoInput = {
  prompt: string
  /** 1 to 60; the database default is 5. */
  durationSeconds?: number
  /** The database default is "720p". */
  resolution?: string
  /** The database default is "sora-2". */
  model?: string
  /** One key per user action, sent again on every retry of it (e.g. crypto.randomUUID()). */
  idempotencyKey?: string
}

export type GrantCreditsInput = {
  userId: string
  amount: number
  /** The database default is "purchase". */
  kind?: GrantKind
  /** The payment's id: a retried webhook with the same kind and reference grants once. */
  reference?: string
  description?: string
  /**
   * When the granted credits expire (1.2); left out, they never do. Must be in the future
   * (InvalidInputError otherwise). A retry must send the same moment: compute it once per
   * payment or promotion, not from the clock at each try, or the retry is a mismatch.
   */
  expiresAt?: Date | string
  /** The lot's category (1.2); left out, it follows the kind (purchase, adjustment: paid). */
  category?: CreditCategory
}

type RpcResponse = { data: unknown; error: PostgrestErrorLike | null; status: number }

// The one place a response becomes a result or a thrown typed error. The generated types
// call a jsonb result `Json`; T is the shape docs/api.md documents for that function.
async function unwrap<T>(response: PromiseLike<RpcResponse>): Promise<T> {
  const { data, error, status } = await response
  if (error) throw toSoraError(error, status)
  return data as T
}

export class SoraCredits {
  constructor(private readonly supabase: SupabaseClient<Database>) {}

  // For the signed-in user (a client holding the user's access token).

  /** Charges the signed-in user for a video and queues it (create_video_generation). */
  createVideo(input: CreateVideoInput): Promise<CreateVideoResult> {
    return unwrap(
      this.supabase.rpc("create_video_generation", {
        p_prompt: input.prompt,
        p_duration_seconds: input.durationSeconds,
        p_resolution: input.resolution,
        p_model: input.model,
        p_idempotency_key: input.idempotencyKey,
      }),
    )
  }

  /** Hides one of the user's videos; it can be restored within the restore window. */
  softDelete(videoId: string): Promise<SoftDeleteResult> {
    return unwrap(this.supabase.rpc("soft_delete_video", { p_video_id: videoId }))
  }

  /** Brings back a soft-deleted video (GoneError once the restore window has passed). */
  restore(videoId: string): Promise<RestoreResult> {
    return unwrap(this.supabase.rpc("restore_video", { p_video_id: videoId }))
  }

  /** Balance and counters of the signed-in user, or (service role) of userId. */
  creditInfo(userId?: string): Promise<CreditInfo> {
    return unwrap(this.supabase.rpc("get_credit_info", { p_user_id: userId }))
  }

  /** The signed-in user's credit lots: live ones first in spending order, then the rest (1.2). */
  listCreditLots(): Promise<CreditLot[]> {
    return unwrap(this.supabase.rpc("list_credit_lots"))
  }

  /** The user's soft-deleted videos, most recently deleted first. */
  listDeletedVideos(): Promise<Video[]> {
    return unwrap(this.supabase.rpc("list_deleted_videos"))
  }

  // For the backend (a client created with the service role key, never in a browser).

  /**
   * Marks a failed job failed and returns its credits, at most once. ownerId, the job's
   * user_id (2.0), takes the call straight to the owner's rows (one shard of a cluster).
   */
  refund(videoId: string, reason?: string, ownerId?: string): Promise<RefundResult> {
    return unwrap(
      this.supabase.rpc("refund_video_credits", {
        p_video_id: videoId,
        p_reason: reason,
        p_user_id: ownerId,
      }),
    )
  }

  /** Marks a pending or processing video completed with its URL (ownerId: as for refund). */
  completeVideo(videoId: string, videoUrl: string, ownerId?: string): Promise<CompleteVideoResult> {
    return unwrap(
      this.supabase.rpc("complete_video_generation", {
        p_video_id: videoId,
        p_video_url: videoUrl,
        p_user_id: ownerId,
      }),
    )
  }

  /** Moves up to `limit` (1 to 100, default 1) of the oldest pending videos to processing. */
  claimJobs(limit?: number): Promise<Video[]> {
    return unwrap(this.supabase.rpc("claim_video_jobs", { p_limit: limit }))
  }

  /** Adds credits to a user (payment webhook, admin grant); idempotent per kind and reference. */
  grantCredits(input: GrantCreditsInput): Promise<GrantCreditsResult> {
    return unwrap(
      this.supabase.rpc("grant_credits", {
        p_user_id: input.userId,
        p_amount: input.amount,
        p_kind: input.kind,
        p_reference: input.reference,
        p_description: input.description,
        p_expires_at:
          input.expiresAt instanceof Date ? input.expiresAt.toISOString() : input.expiresAt,
        p_category: input.category,
      }),
    )
  }

  /** Writes off the credits left in every expired lot (1.2; scheduler, service role). */
  expireCredits(): Promise<ExpireCreditsResult> {
    return unwrap(this.supabase.rpc("expire_credits"))
  }

  /** Every broken invariant of every account (balance, ledger, lots); empty when consistent. */
  verifyLedger(): Promise<LedgerMismatch[]> {
    return unwrap(this.supabase.rpc("verify_ledger"))
  }
}
