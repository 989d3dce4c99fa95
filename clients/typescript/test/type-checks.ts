// Compile-time checks, never run: tsc builds this file, and each @ts-expect-error line must
// be an error (tsc fails if one compiles). What PostgREST would refuse at run time (a
// misspelled parameter is a 404 PGRST202) the types refuse at build time.
import type { SupabaseClient } from "@supabase/supabase-js"

import { SoraCredits } from "../src/client"
import type { Database, Tables } from "../src/database.types"
import type { CreateVideoResult, Video } from "../src/results"

export async function rpcArgumentsAreChecked(supabase: SupabaseClient<Database>) {
  await supabase.rpc("create_video_generation", { p_prompt: "A fox", p_duration_seconds: 5 })
  // @ts-expect-error p_prompt is required
  await supabase.rpc("create_video_generation", { p_duration_seconds: 5 })
  // Not caught here: rpc infers its argument type, so an extra (misspelled) key passes
  // the compiler and fails at run time with PGRST202. The wrapper's inputs catch it.
  // @ts-expect-error wrong type
  await supabase.rpc("create_video_generation", { p_prompt: "A fox", p_duration_seconds: "5" })
  // @ts-expect-error no such function
  await supabase.rpc("create_video_generation_v2", { p_prompt: "A fox" })
}

export async function setReturningFunctionsReturnRows(supabase: SupabaseClient<Database>) {
  const { data } = await supabase.rpc("list_deleted_videos")
  const rows: Tables<"videos">[] | null = data
  const { data: jobs } = await supabase.rpc("claim_video_jobs", { p_limit: 5 })
  const claimed: Tables<"videos">[] | null = jobs
  return [rows, claimed]
}

export async function wrapperInputsAndResultsAreTyped(credits: SoraCredits) {
  const video: CreateVideoResult = await credits.createVideo({ prompt: "A fox" })
  const status: "pending" | "processing" | "completed" | "failed" = video.status
  // @ts-expect-error prompt is required
  await credits.createVideo({ durationSeconds: 5 })
  // @ts-expect-error misspelled option
  await credits.createVideo({ prompt: "A fox", duration: 5 })
  // @ts-expect-error not a grant kind
  await credits.grantCredits({ userId: "u", amount: 5, kind: "gift" })
  await credits.grantCredits({ userId: "u", amount: 5, kind: "grant", expiresAt: new Date(), category: "promotional" })
  // @ts-expect-error not a category
  await credits.grantCredits({ userId: "u", amount: 5, category: "free" })
  // @ts-expect-error an expiry is a Date or an ISO 8601 string, not a number of days
  await credits.grantCredits({ userId: "u", amount: 5, expiresAt: 30 })
  const info = await credits.creditInfo()
  const expiresAt: string | undefined = info.next_expiry?.expires_at
  const lots = await credits.listCreditLots()
  const category: "paid" | "promotional" | undefined = lots[0]?.category
  const jobs: Video[] = await credits.claimJobs()
  // @ts-expect-error the wrapper's results are not `any`
  const notANumber: number = video.video_id
  return [status, jobs, notANumber, expiresAt, category]
}
