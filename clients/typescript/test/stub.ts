// A supabase-js client whose fetch answers from a recorded PostgREST response (a .http
// file in test/fixtures: comment lines, status line, headers, blank line, exact body) and
// keeps every request it was given. No network and no server are involved.
import assert from "node:assert/strict"
import { readFileSync } from "node:fs"
import { join } from "node:path"

import { createClient } from "@supabase/supabase-js"

import { SoraCredits } from "../src/client"
import type { Database } from "../src/database.types"

// Compiled to build/test/: the fixtures stay in the source tree.
const FIXTURES = join(__dirname, "..", "..", "test", "fixtures")

export const SUPABASE_URL = "http://127.0.0.1:54321"
export const ANON_KEY = "anon-key"
export const USER_JWT = "user-access-token"

export type Recorded = {
  status: number
  statusText: string
  headers: [string, string][]
  body: string
}

export function loadFixture(name: string): Recorded {
  const text = readFileSync(join(FIXTURES, `${name}.http`), "utf8")
  const separator = text.indexOf("\n\n")
  const head = text
    .slice(0, separator)
    .split("\n")
    .filter((line) => !line.startsWith("#"))
  const body = text.slice(separator + 2)
  const match = /^HTTP\/1\.1 (\d{3}) (.+)$/.exec(head[0] ?? "")
  assert.ok(match, `${name}: no status line`)
  const headers = head.slice(1).map((line): [string, string] => {
    const colon = line.indexOf(": ")
    return [line.slice(0, colon), line.slice(colon + 2)]
  })
  // A hand-edited fixture must still be what PostgREST would send.
  const length = headers.find(([key]) => key === "Content-Length")?.[1]
  assert.equal(Number(length), Buffer.byteLength(body), `${name}: Content-Length`)
  return { status: Number(match[1]), statusText: match[2] ?? "", headers, body }
}

export type SentRequest = {
  method: string
  url: URL
  headers: Headers
  body: unknown
}

/**
 * A client (and its SoraCredits wrapper) answering every request with `answer`: a fixture
 * name, or an Error to throw as a failed fetch does. Requests are sent with the anon key
 * and, like a signed-in app or a backend forwarding the user's token, a user JWT.
 */
export function stubClient(answer: string | Error) {
  const sent: SentRequest[] = []
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    sent.push({
      method: init?.method ?? "GET",
      url: new URL(input instanceof Request ? input.url : input),
      headers: new Headers(init?.headers),
      body: typeof init?.body === "string" ? JSON.parse(init.body) : undefined,
    })
    if (answer instanceof Error) throw answer
    const { status, statusText, headers, body } = loadFixture(answer)
    return new Response(body, { status, statusText, headers })
  }
  const supabase = createClient<Database>(SUPABASE_URL, ANON_KEY, {
    global: { fetch, headers: { Authorization: `Bearer ${USER_JWT}` } },
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  })
  return { supabase, credits: new SoraCredits(supabase), sent }
}

/** The JSON body of a fixture, parsed. */
export function fixtureBody(name: string): unknown {
  return JSON.parse(loadFixture(name).body)
}
