// toSoraError and parseShortfall on their own: the SQLSTATE → class table, and the PT402
// details that are not the extension's JSON.
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
  parseShortfall,
  toSoraError,
} from "../src/index"

describe("toSoraError", () => {
  const cases: [code: string, status: number, type: typeof SoraCreditsError][] = [
    ["42501", 401, UnauthorizedError],
    ["42501", 403, ForbiddenError],
    ["22023", 400, InvalidInputError],
    ["22003", 400, InvalidInputError],
    ["22P02", 400, InvalidInputError],
    ["23502", 400, InvalidInputError],
    ["23514", 400, InvalidInputError],
    ["PT404", 404, NotFoundError],
    ["PT409", 409, ConflictError],
    ["23505", 409, ConflictError],
    ["PT410", 410, GoneError],
    ["PT422", 422, IdempotencyMismatchError],
    ["PT429", 429, RateLimitedError],
    // Not the extension's own errors: the base class, with every field kept.
    ["PGRST202", 404, SoraCreditsError],
    ["25006", 405, SoraCreditsError],
    ["57014", 500, SoraCreditsError],
    ["P0001", 400, SoraCreditsError],
    ["constructor", 500, SoraCreditsError],
    ["", 0, SoraCreditsError],
  ]
  for (const [code, status, type] of cases) {
    it(`${code || "(no code)"} with HTTP ${status} -> ${type.name}`, () => {
      const error = toSoraError({ code, message: "m", details: "d", hint: "h" }, status)
      assert.equal(error.constructor, type)
      assert.equal(error.name, type.name)
      assert.deepEqual(
        [error.code, error.message, error.details, error.hint, error.status],
        [code, "m", "d", "h", status],
      )
    })
  }

  it("missing details and hint become null", () => {
    const error = toSoraError({ code: "PT404", message: "Video not found." }, 404)
    assert.equal(error.details, null)
    assert.equal(error.hint, null)
  })

  it("PT402 with the extension's details is an InsufficientCreditsError", () => {
    const error = toSoraError(
      { code: "PT402", message: "m", details: '{"credits":0,"required":300,"shortfall":300}' },
      402,
    )
    assert.ok(error instanceof InsufficientCreditsError)
    assert.deepEqual([error.credits, error.required, error.shortfall], [0, 300, 300])
  })

  for (const details of [null, "", "not json", "null", "[5,15,10]", '{"credits":5,"required":15}',
    '{"credits":5,"required":15,"shortfall":"10"}', '{"credits":5.5,"required":15,"shortfall":9.5}']) {
    it(`PT402 with details ${JSON.stringify(details)} stays a SoraCreditsError`, () => {
      const error = toSoraError({ code: "PT402", message: "m", details }, 402)
      assert.equal(error.constructor, SoraCreditsError)
      assert.equal(error.details, details)
    })
  }
})

describe("parseShortfall", () => {
  it("reads the three amounts and ignores other keys", () => {
    assert.deepEqual(parseShortfall('{"credits":5,"required":15,"shortfall":10,"currency":"credits"}'), {
      credits: 5, required: 15, shortfall: 10,
    })
  })

  it("refuses amounts a JavaScript number cannot hold exactly", () => {
    assert.equal(parseShortfall('{"credits":0,"required":9007199254740993,"shortfall":9007199254740993}'), null)
  })
})
