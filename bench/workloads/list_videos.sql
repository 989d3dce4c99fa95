-- GET /videos?select=*&order=created_at.desc&limit=20 for a user among
-- :first_user..:last_user, in PostgREST's shape; row-level security adds the user and
-- deleted_at filters.
\set user random(:first_user, :last_user)
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims',
  '{"sub":"00000000-0000-4000-8000-' || lpad(:user::text, 12, '0') || '","role":"authenticated"}', true);
WITH pgrst_source AS (
  SELECT "public"."videos".* FROM "public"."videos"
  ORDER BY "videos"."created_at" DESC LIMIT 20 OFFSET 0)
SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total,
       coalesce(json_agg(_postgrest_t), '[]') AS body,
       nullif(current_setting('response.headers', true), '') AS response_headers,
       nullif(current_setting('response.status', true), '') AS response_status,
       '' AS response_inserted
FROM (SELECT * FROM pgrst_source) _postgrest_t;
COMMIT;
