// Typed errors for the sora_credits API. PostgREST answers every database error with HTTP
// status + {code, message, details, hint}; supabase-js hands these back as a plain object
// next to the status. toSoraError picks the class by SQLSTATE (and, for 42501, by status:
// PostgREST answers 401 to anon and 403 to a signed-in role), so an app can `catch` by
// meaning instead of comparing codes. The table is docs/api.md section 4.
import type { Shortfall } from "./results"

/** What supabase-js returns as `error` (PostgrestError or the same fields). */
export type PostgrestErrorLike = {
  code: string
  message: string
  details?: string | null
  hint?: string | null
}

/** Base class: every field PostgREST sent, and the HTTP status (0: no response at all). */
export class SoraCreditsError extends Error {
  readonly code: string
  readonly details: string | null
  readonly hint: string | null
  readonly status: number

  constructor(error: PostgrestErrorLike, status: number) {
    super(error.message)
    this.name = new.target.name
    this.code = error.code
    this.details = error.details ?? null
    this.hint = error.hint ?? null
    this.status = status
  }
}

/** 400, SQLSTATE class 22 (22023 a bad argument; the message names it), 23502, 23514. */
export class InvalidInputError extends SoraCreditsError {}

/** 401, 42501 for anon: no user session. Send the user to sign-in. */
export class UnauthorizedError extends SoraCreditsError {}

/** 403, 42501 for a signed-in role: not allowed (e.g. a user calling a service function). */
export class ForbiddenError extends SoraCreditsError {}

/** 402, PT402: the balance is below the price. Nothing was charged. */
export class InsufficientCreditsError extends SoraCreditsError {
  readonly credits: number
  readonly required: number
  readonly shortfall: number

  constructor(error: PostgrestErrorLike, status: number, amounts: Shortfall) {
    super(error, status)
    this.credits = amounts.credits
    this.required = amounts.required
    this.shortfall = amounts.shortfall
  }
}

/** 404, PT404: the video does not exist or is not yours, or the user has no account. */
export class NotFoundError extends SoraCreditsError {}

/** 409, PT409 (the video's state forbids this) or 23505 (a concurrent duplicate grant). */
export class ConflictError extends SoraCreditsError {}

/** 410, PT410: deleted longer ago than the restore window. */
export class GoneError extends SoraCreditsError {}

/** 422, PT422: an idempotency key or payment reference reused for a different request. */
export class IdempotencyMismatchError extends SoraCreditsError {}

/** 429, PT429: too many videos in flight for this user (sora_credits.max_inflight_per_user). */
export class RateLimitedError extends SoraCreditsError {}

const isAmount = (n: unknown): n is number => Number.isSafeInteger(n)

/** The PT402 details, or null when they are not the extension's JSON object. */
export function parseShortfall(details: string | null | undefined): Shortfall | null {
  if (!details) return null
  let value: unknown
  try {
    value = JSON.parse(details)
  } catch {
    return null
  }
  if (typeof value !== "object" || value === null) return null
  const { credits, required, shortfall } = value as Record<string, unknown>
  if (isAmount(credits) && isAmount(required) && isAmount(shortfall)) {
    return { credits, required, shortfall }
  }
  return null
}

type ErrorClass = new (error: PostgrestErrorLike, status: number) => SoraCreditsError

const BY_CODE = new Map<string, ErrorClass>([
  ["PT404", NotFoundError],
  ["PT409", ConflictError],
  ["PT410", GoneError],
  ["PT422", IdempotencyMismatchError],
  ["PT429", RateLimitedError],
  ["23505", ConflictError],
  ["23502", InvalidInputError],
  ["23514", InvalidInputError],
])

/** The typed error for a PostgREST error and the response's HTTP status. */
export function toSoraError(error: PostgrestErrorLike, status: number): SoraCreditsError {
  const { code } = error
  if (code === "PT402") {
    const amounts = parseShortfall(error.details)
    // Only the extension's PT402 carries the amounts; anything else stays generic.
    return amounts
      ? new InsufficientCreditsError(error, status, amounts)
      : new SoraCreditsError(error, status)
  }
  if (code === "42501") {
    return status === 401 ? new UnauthorizedError(error, status) : new ForbiddenError(error, status)
  }
  if (code.startsWith("22")) return new InvalidInputError(error, status)
  const ErrorClass = BY_CODE.get(code) ?? SoraCreditsError
  return new ErrorClass(error, status)
}
