// The wrapper against recorded PostgREST v13 responses: what each method sends (method,
// path, headers, exact JSON body), what it returns, and which typed error each recorded
// error becomes, with every field PostgREST sent.
import assert from "node:assert/strict"
import { describe, it } from "node:test"

import {
  ConflictError,
  ForbiddenError,
  GoneError,
  IdempotencyMismatchError,
  InsufficientCreditsError,
  InvalidInputError,
  NotFoundError,
  RateLimitedError,
  SoraCreditsError,
  UnauthorizedError,
  type CompleteVideoResult,
  type CreateVideoResult,
  type CreditInfo,
  type CreditLot,
  type ExpireCreditsResult,
  type GrantCreditsResult,
  type RefundResult,
  type RestoreResult,
  type SoftDeleteResult,
  type SoraCredits,
  type Video,
} from "../src/index"
import { ANON_KEY, USER_JWT, fixtureBody, stubClient, type SentRequest } from "./stub"

const FOX = "A red fox running through snow, golden hour"
const KEY = "6f1c2a4e-9b0d-4f3a-8e7c-2d5b1a9c0e11"
const ALICE = "3b241101-e2bb-4255-8caf-4136c566a962"
const BOB = "9c4e2f7a-51d3-4b8e-a0c6-7e13d2f58b90"
const VIDEO = (fixtureBody("create_video_generation.200") as CreateVideoResult).video_id
const REFUNDED = (fixtureBody("refund_video_credits.200") as RefundResult).video_id

function assertRpc(sent: SentRequest[], fn: string, body: Record<string, unknown>) {
  assert.equal(sent.length, 1)
  const [request] = sent
  assert.ok(request)
  assert.equal(request.method, "POST")
  assert.equal(request.url.origin + request.url.pathname, `http://127.0.0.1:54321/rest/v1/rpc/${fn}`)
  assert.equal(request.url.search, "")
  assert.equal(request.headers.get("content-type"), "application/json")
  assert.equal(request.headers.get("apikey"), ANON_KEY)
  assert.equal(request.headers.get("authorization"), `Bearer ${USER_JWT}`)
  assert.deepEqual(request.body, body)
}

// Exactly the keys of T, checked by the compiler (a missing or extra key does not build),
// so a recorded body with another set of keys than the named type fails the test.
function keysOf<T>(keys: Record<keyof T, true>): string[] {
  return Object.keys(keys).sort()
}

const CREDIT_INFO_KEYS = keysOf<CreditInfo>({
  user_id: true, credits: true, credits_paid: true, credits_promotional: true, next_expiry: true,
  credits_reserved: true, lifetime_granted: true, lifetime_spent: true, lifetime_refunded: true,
  lifetime_expired: true, active_videos: true, deleted_videos: true, last_transaction_at: true,
})

const VIDEO_KEYS = keysOf<Video>({
  id: true, user_id: true, prompt: true, model: true, resolution: true,
  duration_seconds: true, credits_cost: true, status: true, idempotency_key: true,
  video_url: true, error_message: true, refunded_at: true, created_at: true,
  updated_at: true, deleted_at: true,
})

describe("successful calls", () => {
  it("createVideo sends every option under its parameter name and returns the charge", async () => {
    const { credits, sent } = stubClient("create_video_generation.200")
    const result = await credits.createVideo({
      prompt: FOX, durationSeconds: 5, resolution: "720p", idempotencyKey: KEY,
    })
    assertRpc(sent, "create_video_generation", {
      p_prompt: FOX, p_duration_seconds: 5, p_resolution: "720p", p_idempotency_key: KEY,
    })
    assert.deepEqual(result, fixtureBody("create_video_generation.200"))
    assert.deepEqual(Object.keys(result).sort(), keysOf<CreateVideoResult>({
      success: true, video_id: true, status: true, credits_charged: true,
      credits_remaining: true, transaction_id: true, idempotent_replay: true, created_at: true,
    }))
    assert.equal(result.status, "pending")
    assert.equal(result.credits_charged, 15)
    assert.equal(result.credits_remaining, 5)
    assert.equal(result.idempotent_replay, false)
  })

  it("createVideo leaves out the options not given, so the database defaults apply", async () => {
    const { credits, sent } = stubClient("create_video_generation.200")
    await credits.createVideo({ prompt: FOX })
    assertRpc(sent, "create_video_generation", { p_prompt: FOX })
  })

  it("createVideo with a used key returns the original video, flagged as a replay", async () => {
    const { credits } = stubClient("create_video_generation.replay.200")
    const replay = await credits.createVideo({ prompt: FOX, idempotencyKey: KEY })
    const first = fixtureBody("create_video_generation.200") as CreateVideoResult
    assert.equal(replay.idempotent_replay, true)
    assert.equal(replay.video_id, first.video_id)
    assert.equal(replay.transaction_id, first.transaction_id)
    assert.equal(replay.credits_charged, first.credits_charged)
  })

  it("softDelete, and again: already_deleted with the first deletion time", async () => {
    const first = stubClient("soft_delete_video.200")
    const deleted = await first.credits.softDelete(VIDEO)
    assertRpc(first.sent, "soft_delete_video", { p_video_id: VIDEO })
    assert.deepEqual(Object.keys(deleted).sort(), keysOf<SoftDeleteResult>({
      success: true, video_id: true, deleted_at: true, already_deleted: true,
    }))
    assert.equal(deleted.already_deleted, false)
    const again = await stubClient("soft_delete_video.replay.200").credits.softDelete(VIDEO)
    assert.equal(again.already_deleted, true)
    assert.equal(again.deleted_at, deleted.deleted_at)
  })

  it("restore", async () => {
    const { credits, sent } = stubClient("restore_video.200")
    const restored = await credits.restore(VIDEO)
    assertRpc(sent, "restore_video", { p_video_id: VIDEO })
    assert.deepEqual(restored, { success: true, video_id: VIDEO, already_active: false })
    assert.deepEqual(Object.keys(restored).sort(), keysOf<RestoreResult>({
      success: true, video_id: true, already_active: true,
    }))
  })

  it("creditInfo for the signed-in user sends no p_user_id", async () => {
    const { credits, sent } = stubClient("get_credit_info.200")
    const info = await credits.creditInfo()
    assertRpc(sent, "get_credit_info", {})
    assert.deepEqual(Object.keys(info).sort(), CREDIT_INFO_KEYS)
    assert.equal(info.user_id, ALICE)
    assert.equal(info.credits, 5)
    assert.equal(info.credits_reserved, 15)
    assert.equal(info.next_expiry, null)
    assert.equal(info.credits, info.credits_paid + info.credits_promotional)
    assert.equal(info.credits,
      info.lifetime_granted - info.lifetime_spent + info.lifetime_refunded - info.lifetime_expired)
  })

  it("creditInfo with a promotion: the credits that expire next, and when", async () => {
    const { credits } = stubClient("get_credit_info.lots.200")
    const info = await credits.creditInfo()
    assert.deepEqual(Object.keys(info).sort(), CREDIT_INFO_KEYS)
    assert.deepEqual(info.next_expiry, { credits: 35, expires_at: "2026-12-31T23:59:59+00:00" })
    assert.equal(new Date(info.next_expiry?.expires_at ?? "").toISOString(), "2026-12-31T23:59:59.000Z")
    assert.equal(info.credits_paid, 0)
    assert.equal(info.credits_promotional, 55)
    assert.equal(info.credits, info.credits_paid + info.credits_promotional)
  })

  it("listCreditLots returns the lots, live first, with kind and category narrowed", async () => {
    const { credits, sent } = stubClient("list_credit_lots.200")
    const lots = await credits.listCreditLots()
    assertRpc(sent, "list_credit_lots", {})
    assert.equal(lots.length, 2)
    assert.deepEqual(Object.keys(lots[0] ?? {}).sort(), keysOf<CreditLot>({
      id: true, user_id: true, transaction_id: true, kind: true, category: true, amount: true,
      remaining: true, expires_at: true, created_at: true, depleted: true,
    }))
    assert.deepEqual(lots.map((l) => [l.kind, l.category, l.remaining, l.expires_at]), [
      ["grant", "promotional", 35, "2026-12-31T23:59:59+00:00"],
      ["signup_bonus", "promotional", 20, null],
    ])
  })

  it("expireCredits: how many lots and credits were written off", async () => {
    const { credits, sent } = stubClient("expire_credits.200")
    const expired = await credits.expireCredits()
    assertRpc(sent, "expire_credits", {})
    assert.deepEqual(Object.keys(expired).sort(), keysOf<ExpireCreditsResult>({
      lots_expired: true, credits_expired: true,
    }))
    assert.deepEqual(expired, { lots_expired: 2, credits_expired: 35 })
  })

  it("creditInfo for a given user sends p_user_id", async () => {
    const { credits, sent } = stubClient("get_credit_info.200")
    await credits.creditInfo(ALICE)
    assertRpc(sent, "get_credit_info", { p_user_id: ALICE })
  })

  it("listDeletedVideos returns video rows", async () => {
    const { credits, sent } = stubClient("list_deleted_videos.200")
    const videos = await credits.listDeletedVideos()
    assertRpc(sent, "list_deleted_videos", {})
    assert.equal(videos.length, 1)
    assert.deepEqual(Object.keys(videos[0] ?? {}).sort(), VIDEO_KEYS)
    assert.equal(videos[0]?.id, VIDEO)
    assert.notEqual(videos[0]?.deleted_at, null)
  })

  it("claimJobs returns the claimed rows in processing, and [] from an empty queue", async () => {
    const { credits, sent } = stubClient("claim_video_jobs.200")
    const jobs = await credits.claimJobs(5)
    assertRpc(sent, "claim_video_jobs", { p_limit: 5 })
    assert.equal(jobs.length, 1)
    assert.deepEqual(Object.keys(jobs[0] ?? {}).sort(), VIDEO_KEYS)
    assert.equal(jobs[0]?.status, "processing")
    const empty = stubClient("claim_video_jobs.empty.200")
    assert.deepEqual(await empty.credits.claimJobs(), [])
    assertRpc(empty.sent, "claim_video_jobs", {})
  })

  it("completeVideo", async () => {
    const url = "https://cdn.example.com/videos/fox.mp4"
    const { credits, sent } = stubClient("complete_video_generation.200")
    const done = await credits.completeVideo(VIDEO, url)
    assertRpc(sent, "complete_video_generation", { p_video_id: VIDEO, p_video_url: url })
    assert.deepEqual(done, {
      success: true, video_id: VIDEO, status: "completed", video_url: url, already_completed: false,
    })
    assert.deepEqual(Object.keys(done).sort(), keysOf<CompleteVideoResult>({
      success: true, video_id: true, status: true, video_url: true, already_completed: true,
    }))
  })

  it("refund returns the credits once; a retried refund returns 0 and the same entry", async () => {
    const reason = "The model rejected the prompt (content policy)."
    const { credits, sent } = stubClient("refund_video_credits.200")
    const refund = await credits.refund(REFUNDED, reason)
    assertRpc(sent, "refund_video_credits", { p_video_id: REFUNDED, p_reason: reason })
    assert.deepEqual(Object.keys(refund).sort(), keysOf<RefundResult>({
      success: true, video_id: true, credits_refunded: true, credits_remaining: true,
      transaction_id: true, already_refunded: true,
    }))
    assert.equal(refund.already_refunded, false)
    assert.equal(refund.credits_refunded, 24)
    const again = await stubClient("refund_video_credits.replay.200").credits.refund(REFUNDED)
    assert.equal(again.already_refunded, true)
    assert.equal(again.credits_refunded, 0)
    assert.equal(again.transaction_id, refund.transaction_id)
    assert.equal(again.credits_remaining, refund.credits_remaining)
  })

  it("refund and completeVideo send the job's owner when given (2.0's p_user_id)", async () => {
    const refunded = stubClient("refund_video_credits.200")
    await refunded.credits.refund(REFUNDED, undefined, ALICE)
    assertRpc(refunded.sent, "refund_video_credits", { p_video_id: REFUNDED, p_user_id: ALICE })
    const url = "https://cdn.example.com/videos/fox.mp4"
    const done = stubClient("complete_video_generation.200")
    await done.credits.completeVideo(VIDEO, url, ALICE)
    assertRpc(done.sent, "complete_video_generation", { p_video_id: VIDEO, p_video_url: url, p_user_id: ALICE })
  })

  it("grantCredits sends the payment reference; a retried webhook is a replay", async () => {
    const { credits, sent } = stubClient("grant_credits.200")
    const grant = await credits.grantCredits({
      userId: ALICE, amount: 20, kind: "purchase", reference: "stripe:cs_test_a1b2c3d4",
    })
    assertRpc(sent, "grant_credits", {
      p_user_id: ALICE, p_amount: 20, p_kind: "purchase", p_reference: "stripe:cs_test_a1b2c3d4",
    })
    assert.deepEqual(Object.keys(grant).sort(), keysOf<GrantCreditsResult>({
      success: true, transaction_id: true, credits_granted: true, credits_remaining: true,
      idempotent_replay: true,
    }))
    assert.deepEqual(grant, {
      success: true, transaction_id: grant.transaction_id, credits_granted: 20,
      credits_remaining: 20, idempotent_replay: false,
    })
    const retry = await stubClient("grant_credits.replay.200").credits.grantCredits({
      userId: ALICE, amount: 20, reference: "stripe:cs_test_a1b2c3d4",
    })
    assert.equal(retry.idempotent_replay, true)
    assert.equal(retry.transaction_id, grant.transaction_id)
    assert.equal(retry.credits_remaining, 20)
  })

  it("grantCredits with an expiry and a category sends them; a Date goes as ISO 8601", async () => {
    const { credits, sent } = stubClient("grant_credits.expiring.200")
    const grant = await credits.grantCredits({
      userId: ALICE, amount: 50, kind: "grant", reference: "promo:summer-2026:3b241101",
      description: "Summer promotion", expiresAt: new Date("2026-12-31T23:59:59Z"),
    })
    assertRpc(sent, "grant_credits", {
      p_user_id: ALICE, p_amount: 50, p_kind: "grant", p_reference: "promo:summer-2026:3b241101",
      p_description: "Summer promotion", p_expires_at: "2026-12-31T23:59:59.000Z",
    })
    assert.equal(grant.credits_granted, 50)
    assert.equal(grant.idempotent_replay, false)
    const asText = stubClient("grant_credits.expiring.200")
    await asText.credits.grantCredits({
      userId: ALICE, amount: 50, kind: "adjustment", expiresAt: "2026-12-31T23:59:59+00:00",
      category: "promotional",
    })
    assertRpc(asText.sent, "grant_credits", {
      p_user_id: ALICE, p_amount: 50, p_kind: "adjustment", p_expires_at: "2026-12-31T23:59:59+00:00",
      p_category: "promotional",
    })
  })

  it("verifyLedger: [] when every balance matches its ledger", async () => {
    const { credits, sent } = stubClient("verify_ledger.200")
    assert.deepEqual(await credits.verifyLedger(), [])
    assertRpc(sent, "verify_ledger", {})
  })
})

type ErrorCase = {
  fixture: string
  call: (credits: SoraCredits) => Promise<unknown>
  type: new (...args: never[]) => SoraCreditsError
  status: number
  code: string
  message: string
  hint?: string
  details?: string
}

const ERRORS: ErrorCase[] = [
  {
    fixture: "create_video_generation.402",
    call: (c) => c.createVideo({ prompt: FOX, durationSeconds: 5 }),
    type: InsufficientCreditsError, status: 402, code: "PT402",
    message: "Insufficient credits. You have 5 credits, but need 15 credits.",
    hint: "Buy more credits, or choose a shorter video or a lower resolution.",
    details: '{"credits":5,"required":15,"shortfall":10}',
  },
  {
    fixture: "create_video_generation.422",
    call: (c) => c.createVideo({ prompt: "A blue fox", idempotencyKey: KEY }),
    type: IdempotencyMismatchError, status: 422, code: "PT422",
    message: "This idempotency key was already used for a different video request.",
    hint: "Use a new idempotency key for a new request.",
  },
  {
    fixture: "create_video_generation.400",
    call: (c) => c.createVideo({ prompt: "   " }),
    type: InvalidInputError, status: 400, code: "22023",
    message: "p_prompt must not be empty.",
  },
  {
    fixture: "create_video_generation.unknown_price.400",
    call: (c) => c.createVideo({ prompt: FOX, resolution: "4k" }),
    type: InvalidInputError, status: 400, code: "22023",
    message: 'p_model and p_resolution: there is no price for model "sora-2" at resolution "4k".',
    hint: "The table video_pricing lists the models and resolutions on offer.",
  },
  {
    fixture: "create_video_generation.401",
    call: (c) => c.createVideo({ prompt: FOX }),
    type: UnauthorizedError, status: 401, code: "42501",
    message: "permission denied for function create_video_generation",
  },
  {
    fixture: "create_video_generation.403",
    call: (c) => c.createVideo({ prompt: FOX }),
    type: ForbiddenError, status: 403, code: "42501",
    message: "Not signed in: this action needs an authenticated user.",
    hint: "Sign in and call again with the user's access token.",
  },
  {
    fixture: "create_video_generation.404",
    call: (c) => c.createVideo({ prompt: FOX }),
    type: NotFoundError, status: 404, code: "PT404",
    message: "No credit account exists for this user.",
  },
  {
    fixture: "create_video_generation.429",
    call: (c) => c.createVideo({ prompt: FOX }),
    type: RateLimitedError, status: 429, code: "PT429",
    message: "Too many videos in progress: 3 of your videos are still being generated, and the limit is 3 at a time.",
    details: '{"in_flight":3,"limit":3}',
    hint: "Wait until one of your videos is finished, then ask again.",
  },
  {
    fixture: "soft_delete_video.404",
    call: (c) => c.softDelete(VIDEO),
    type: NotFoundError, status: 404, code: "PT404", message: "Video not found.",
  },
  {
    fixture: "restore_video.410",
    call: (c) => c.restore(VIDEO),
    type: GoneError, status: 410, code: "PT410",
    message: "This video was deleted more than 30 days ago and can no longer be restored.",
  },
  {
    fixture: "get_credit_info.403",
    call: (c) => c.creditInfo(BOB),
    type: ForbiddenError, status: 403, code: "42501",
    message: "You can only view your own credit information.",
  },
  {
    fixture: "refund_video_credits.409",
    call: (c) => c.refund(VIDEO, "Worker crashed"),
    type: ConflictError, status: 409, code: "PT409",
    message: "This video was completed and cannot be refunded.",
  },
  {
    fixture: "refund_video_credits.404",
    call: (c) => c.refund(VIDEO),
    type: NotFoundError, status: 404, code: "PT404", message: "Video not found.",
  },
  {
    fixture: "refund_video_credits.403",
    call: (c) => c.refund(VIDEO),
    type: ForbiddenError, status: 403, code: "42501",
    message: "permission denied for function refund_video_credits",
  },
  {
    fixture: "complete_video_generation.409",
    call: (c) => c.completeVideo(VIDEO, "https://cdn.example.com/videos/cat.mp4"),
    type: ConflictError, status: 409, code: "PT409",
    message: "This video failed and its credits were refunded; it cannot be completed.",
  },
  {
    fixture: "claim_video_jobs.400",
    call: (c) => c.claimJobs(500),
    type: InvalidInputError, status: 400, code: "22023",
    message: "p_limit must be between 1 and 100.",
  },
  {
    fixture: "grant_credits.400",
    call: (c) => c.grantCredits({ userId: ALICE, amount: 0 }),
    type: InvalidInputError, status: 400, code: "22023",
    message: "p_amount must be a positive number of credits.",
  },
  {
    fixture: "grant_credits.expiry.400",
    call: (c) => c.grantCredits({
      userId: ALICE, amount: 50, kind: "grant", expiresAt: "2020-01-01T00:00:00+00:00",
    }),
    type: InvalidInputError, status: 400, code: "22023",
    message: "p_expires_at must be in the future.",
    hint: "Give NULL for credits that never expire.",
  },
  {
    fixture: "grant_credits.category.400",
    // Past the compiler (a value from elsewhere): the database refuses it.
    call: (c) => c.grantCredits({
      userId: ALICE, amount: 50, kind: "adjustment", category: "free" as "paid",
    }),
    type: InvalidInputError, status: 400, code: "22023",
    message: "p_category must be paid or promotional.",
  },
  {
    fixture: "expire_credits.403",
    call: (c) => c.expireCredits(),
    type: ForbiddenError, status: 403, code: "42501",
    message: "permission denied for function expire_credits",
  },
  {
    fixture: "grant_credits.403",
    call: (c) => c.grantCredits({ userId: ALICE, amount: 1000 }),
    type: ForbiddenError, status: 403, code: "42501",
    message: "permission denied for function grant_credits",
  },
  {
    fixture: "grant_credits.422",
    call: (c) => c.grantCredits({ userId: ALICE, amount: 50, reference: "stripe:cs_test_a1b2c3d4" }),
    type: IdempotencyMismatchError, status: 422, code: "PT422",
    message: "This reference was already used for a different grant.",
    hint: "Use a new reference for a new payment.",
  },
  {
    fixture: "grant_credits.409",
    call: (c) => c.grantCredits({ userId: BOB, amount: 10, reference: "stripe:cs_test_race" }),
    type: ConflictError, status: 409, code: "23505",
    message: 'duplicate key value violates unique constraint "credit_transactions_reference_per_kind"',
    details: "Key (kind, reference)=(purchase, stripe:cs_test_race) already exists.",
  },
  {
    // PostgREST's own 404 (no such function in its schema cache) is not a NotFoundError.
    fixture: "grant_credits.pgrst202.404",
    call: (c) => c.grantCredits({ userId: ALICE, amount: 500, reference: "stripe:cs_test_a1b2c3d4" }),
    type: SoraCreditsError, status: 404, code: "PGRST202",
    message: "Could not find the function public.grant_credits(p_amount, p_reference, p_user_id) in the schema cache",
    details: "Searched for the function public.grant_credits with parameters p_amount, p_reference, p_user_id or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.",
  },
]

describe("errors become typed errors", () => {
  for (const e of ERRORS) {
    it(`${e.fixture} -> ${e.type.name}`, async () => {
      const { credits } = stubClient(e.fixture)
      const error = await e.call(credits).then(
        () => assert.fail("expected an error"),
        (thrown: unknown) => thrown,
      )
      assert.ok(error instanceof SoraCreditsError)
      assert.ok(error instanceof Error)
      assert.equal(error.constructor, e.type)
      assert.equal(error.name, e.type.name)
      assert.equal(error.status, e.status)
      assert.equal(error.code, e.code)
      assert.equal(error.message, e.message)
      assert.equal(error.hint, e.hint ?? null)
      assert.equal(error.details, e.details ?? null)
    })
  }

  it("PT402 carries the balance, the price and the shortfall as numbers", async () => {
    const { credits } = stubClient("create_video_generation.402")
    await assert.rejects(credits.createVideo({ prompt: FOX }), (error: unknown) => {
      assert.ok(error instanceof InsufficientCreditsError)
      assert.equal(error.credits, 5)
      assert.equal(error.required, 15)
      assert.equal(error.shortfall, 10)
      return true
    })
  })

  it("a request that never got a response is a SoraCreditsError with status 0", async () => {
    const { credits, sent } = stubClient(new TypeError("fetch failed"))
    await assert.rejects(credits.creditInfo(), (error: unknown) => {
      assert.ok(error instanceof SoraCreditsError)
      assert.equal(error.constructor, SoraCreditsError)
      assert.equal(error.status, 0)
      assert.equal(error.message, "TypeError: fetch failed")
      return true
    })
    assert.equal(sent.length, 1)
  })
})
