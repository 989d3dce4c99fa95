-- The contract's flows through the coordinator of a Citus cluster, after
-- distribute_on_citus(): sign-up, grants and their references, charges and their replay,
-- refunds, completion, the job queue, soft delete and restore, credit lots that expire,
-- the sweeps, verify_ledger() and deleting a user. Every call is made as the API role
-- that makes it on Supabase (test.act_as sets the role and the JWT claims as PostgREST
-- does); what it stored is read back as the superuser. In one transaction, rolled back.
BEGIN;
SELECT plan(36);

-- The users, as constants: a statement that Citus sends to a worker cannot call a
-- function of this session's pg_temp.
\set u1 '''c1000000-0000-4000-8000-000000000001''::uuid'
\set u2 '''c1000000-0000-4000-8000-000000000002''::uuid'
\set u3 '''c1000000-0000-4000-8000-000000000003''::uuid'
-- A call as a role, its result kept in test.res under a name (RESET ROLE after).
CREATE FUNCTION pg_temp.keep(p_name text, p_role text, p_sub uuid, p_sql text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  v jsonb;
BEGIN
  PERFORM test.act_as(p_role, p_sub);
  EXECUTE p_sql INTO v;
  PERFORM set_config('role', 'none', true);
  INSERT INTO test.res VALUES (p_name, v);
  RETURN v;
END
$$;
-- The first value of a query, as text. An assertion whose query reads only one shard would
-- otherwise be sent whole to that shard's worker (where this session's test state is
-- not): through this function the assertion runs here, and only the query goes there.
CREATE FUNCTION pg_temp.val(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v text;
BEGIN
  EXECUTE p_sql INTO v;
  RETURN v;
END
$$;
-- The error of a call as a role: "SQLSTATE message".
CREATE FUNCTION pg_temp.fails(p_role text, p_sub uuid, p_sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  v jsonb;
BEGIN
  PERFORM test.act_as(p_role, p_sub);
  v := test.error_of(p_sql);
  PERFORM set_config('role', 'none', true);
  RETURN v->>'sqlstate' || ' ' || (v->>'message');
END
$$;

-- Sign-ups on the coordinator's auth.users: the trigger makes each account on its shard.
SET LOCAL sora_credits.signup_credits = 0;
INSERT INTO auth.users (id, email) VALUES (:u1, 'citus1@example.com'), (:u2, 'citus2@example.com'),
  (:u3, 'citus3@example.com');
SELECT is(pg_temp.val($$SELECT count(*) FROM public.profiles WHERE id IN ($$ || quote_literal(:u1) || ', '
                       || quote_literal(:u2) || ', ' || quote_literal(:u3) || ')'),
          '3', 'signing up made three accounts, on their shards');
SELECT cmp_ok((SELECT count(DISTINCT s)::int FROM unnest(ARRAY[
                 get_shard_id_for_distribution_column('public.profiles', :u1),
                 get_shard_id_for_distribution_column('public.profiles', :u2),
                 get_shard_id_for_distribution_column('public.profiles', :u3)]) s),
              '>', 1, 'the three accounts are not all on one shard');

-- Grants and payment references
SELECT is((pg_temp.keep('g1', 'service_role', NULL,
             $$SELECT public.grant_credits('c1000000-0000-4000-8000-000000000001', 100, 'purchase', 'citus-pay-1')$$)
           ->>'credits_remaining')::int, 100, 'a purchase of 100 credits');
SELECT is((pg_temp.keep('g1 again', 'service_role', NULL,
             $$SELECT public.grant_credits('c1000000-0000-4000-8000-000000000001', 100, 'purchase', 'citus-pay-1')$$)
           ->>'idempotent_replay')::boolean, true, 'the same webhook again is a replay');
SELECT is(pg_temp.fails('service_role', NULL,
            $$SELECT public.grant_credits('c1000000-0000-4000-8000-000000000002', 100, 'purchase', 'citus-pay-1')$$),
          'PT422 This reference was already used for a different grant.',
          'the reference granted to another user, whose account is on another shard: PT422');
SELECT is(pg_temp.val($$SELECT user_id FROM public.payment_references WHERE reference = 'citus-pay-1'$$),
          :u1::text, 'the reference is claimed for the first user');
SELECT is(test.balance(:u2), 0::bigint, 'the refused grant left the second user at 0');
SELECT is((pg_temp.keep('g2', 'service_role', NULL,
             $$SELECT public.grant_credits('c1000000-0000-4000-8000-000000000002', 30, 'grant', NULL, 'promo',
                                           now() + interval '1 hour', 'promotional')$$)
           ->>'credits_remaining')::int, 30, 'a promotional grant that expires in an hour');

-- Charges
SELECT is((pg_temp.keep('c1', 'authenticated', :u1,
             $$SELECT public.create_video_generation('a cat in Hanoi', 5, '720p', 'sora-2', 'citus-key-1')$$)
           ->>'credits_remaining')::int, 85, 'a charge of 15 credits');
SELECT is(pg_temp.keep('c1 again', 'authenticated', :u1,
            $$SELECT public.create_video_generation('a cat in Hanoi', 5, '720p', 'sora-2', 'citus-key-1')$$)->>'video_id',
          test.res('c1')->>'video_id', 'the same idempotency key: the same video');
SELECT is(pg_temp.fails('authenticated', :u1,
            $$SELECT public.create_video_generation('another', 5, '720p', 'sora-2', 'citus-key-1')$$),
          'PT422 This idempotency key was already used for a different video request.',
          'the key with another request: PT422');
SELECT is(pg_temp.fails('authenticated', :u3,
            $$SELECT public.create_video_generation('no credits', 5, '720p')$$),
          'PT402 Insufficient credits. You have 0 credits, but need 15 credits.',
          'a user without credits: PT402');
SELECT is((pg_temp.keep('c2', 'authenticated', :u2,
             $$SELECT public.create_video_generation('a promo video', 2, '720p')$$)->>'credits_remaining')::int,
          24, 'the second user spends the promotion');
SELECT is((pg_temp.keep('c3', 'authenticated', :u1,
             $$SELECT public.create_video_generation('a dog', 1, '480p')$$)->>'credits_remaining')::int,
          84, 'a second charge');
SELECT is((test.res('c1 again')->>'transaction_id')::bigint, (test.res('c1')->>'transaction_id')::bigint,
          'the replay names the charge''s ledger entry');

-- Reads
SELECT is((pg_temp.keep('info', 'authenticated', :u1, 'SELECT public.get_credit_info()')->>'credits')::int,
          84, 'get_credit_info: the balance');
SELECT is((test.res('info')->>'credits_reserved')::int, 16, 'get_credit_info: two jobs in flight hold 16');
SELECT is((pg_temp.keep('lots', 'authenticated', :u2,
             'SELECT jsonb_agg(l) FROM public.list_credit_lots() l')->0->>'remaining')::int,
          24, 'list_credit_lots: the promotion''s lot holds 24');

-- The job queue and the worker's calls
SELECT is(jsonb_array_length(pg_temp.keep('claim', 'service_role', NULL,
            'SELECT jsonb_agg(j.id ORDER BY j.ordinality) FROM public.claim_video_jobs(10) WITH ORDINALITY j')),
          3, 'claim_video_jobs: the three jobs, over the shards');
SELECT is(test.res('claim'),
          pg_temp.val($$SELECT jsonb_agg(id ORDER BY created_at, id) FROM public.videos WHERE status = 'processing'$$)::jsonb,
          '... oldest first (created_at, then id), all three now processing');
SELECT is((pg_temp.keep('refund', 'service_role', NULL,
             format($$SELECT public.refund_video_credits(%L, 'model error', %L)$$, test.vid('c1'), :u1))
           ->>'credits_remaining')::int, 99, 'refund_video_credits with the owner: 15 back');
SELECT is((pg_temp.keep('refund again', 'service_role', NULL,
             format($$SELECT public.refund_video_credits(%L, 'model error')$$, test.vid('c1')))
           ->>'already_refunded')::boolean, true, 'the refund again, without the owner: already refunded');
SELECT is(pg_temp.fails('service_role', NULL,
            format($$SELECT public.refund_video_credits(%L, 'x', %L)$$, test.vid('c3'), :u2)),
          'PT404 Video not found.', 'a refund naming another owner: PT404');
SELECT is((pg_temp.keep('complete', 'service_role', NULL,
             format($$SELECT public.complete_video_generation(%L, 'https://cdn.example.com/dog.mp4', %L)$$,
                    test.vid('c3'), :u1))->>'status'), 'completed', 'complete_video_generation');
SELECT is(pg_temp.fails('service_role', NULL,
            format($$SELECT public.complete_video_generation(%L, 'https://cdn.example.com/x.mp4')$$, test.vid('c1'))),
          'PT409 This video failed and its credits were refunded; it cannot be completed.',
          'completing the refunded video: PT409');

-- Soft delete and restore, by the owner (whose id is the JWT's) and by the backend
SELECT is((pg_temp.keep('delete', 'authenticated', :u1,
             format('SELECT public.soft_delete_video(%L)', test.vid('c3')))->>'already_deleted')::boolean,
          false, 'soft_delete_video by its owner');
SELECT is(pg_temp.fails('authenticated', :u2, format('SELECT public.soft_delete_video(%L)', test.vid('c1'))),
          'PT404 Video not found.', 'another user''s video: PT404');
SELECT is((pg_temp.keep('deleted', 'authenticated', :u1,
             'SELECT jsonb_agg(v) FROM public.list_deleted_videos() v')->0->>'id'),
          test.res('c3')->>'video_id', 'list_deleted_videos');
SELECT is((pg_temp.keep('restore', 'service_role', NULL,
             format('SELECT public.restore_video(%L, %L)', test.vid('c3'), :u1))->>'already_active')::boolean,
          false, 'restore_video by the backend, with the owner');

-- The sweeps
SELECT test.vid('c2') AS c2 \gset
UPDATE public.videos SET updated_at = now() - interval '2 hours' WHERE id = :'c2';
SELECT is(pg_temp.keep('stale', 'service_role', NULL, $$SELECT public.expire_stale_videos('1 hour')$$),
          '{"expired": 1, "credits_refunded": 6}'::jsonb, 'expire_stale_videos: the stale job, refunded');
UPDATE public.credit_lots SET expires_at = now() - interval '1 minute' WHERE user_id = :u2;
SELECT is(pg_temp.keep('expire', 'service_role', NULL, 'SELECT public.expire_credits()'),
          '{"lots_expired": 1, "credits_expired": 30}'::jsonb,
          'expire_credits: the lapsed promotion, with the refund it got back');
SELECT is(test.balance(:u2), 0::bigint, '... leaves the second user at 0');

SELECT is((SELECT count(*)::int FROM public.verify_ledger()), 0, 'verify_ledger(): nothing wrong on any shard');

-- Deleting a user: the trigger on auth.users deletes the account, the shards' foreign
-- keys the rest; the references go too.
DELETE FROM auth.users WHERE id = :u1;
SELECT is(pg_temp.val(format($$SELECT concat_ws(' ',
            (SELECT count(*) FROM public.profiles WHERE id = %1$L),
            (SELECT count(*) FROM public.videos WHERE user_id = %1$L),
            (SELECT count(*) FROM public.credit_transactions WHERE user_id = %1$L),
            (SELECT count(*) FROM public.credit_lots WHERE user_id = %1$L),
            (SELECT count(*) FROM public.credit_allocations WHERE user_id = %1$L))$$, :u1)),
          '0 0 0 0 0', 'deleting the user deletes the account, the videos, the ledger, the lots and allocations');
SELECT is(pg_temp.val(format('SELECT count(*) FROM public.payment_references WHERE user_id = %L', :u1)), '0',
          '... and the payment references');
SELECT is(pg_temp.fails('service_role', NULL, 'DELETE FROM public.credit_transactions'),
          '42501 permission denied for table credit_transactions',
          'the ledger stays closed to the backend on the shards');

SELECT * FROM finish();
ROLLBACK;
