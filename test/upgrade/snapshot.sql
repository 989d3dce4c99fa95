-- Every row the extension keeps, and the position of the ledger's id sequence, as text in a
-- fixed order: two snapshots of one database compare with diff. Only what existed before
-- the upgrade is compared: the column profiles.lifetime_expired (1.2) is left out, and so
-- are the tables credit_lots and credit_allocations (1.2); what the upgrade puts in them is
-- checked by lots_after_upgrade.sql (lifetime_expired all 0, one opening lot per positive
-- balance, no allocation), unless psql's variable lots is set (below).
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only on
SELECT 'video_pricing', t::text FROM public.video_pricing t ORDER BY t.model, t.resolution;
SELECT 'profiles', (to_jsonb(t) - 'lifetime_expired')::text FROM public.profiles t ORDER BY t.id;
SELECT 'videos', t::text FROM public.videos t ORDER BY t.id;
SELECT 'credit_transactions', t::text FROM public.credit_transactions t ORDER BY t.id;
SELECT 'credit_transactions_id_seq', last_value, is_called FROM public.credit_transactions_id_seq;
SELECT 'auth.users', t::text FROM auth.users t ORDER BY t.id;
-- With -v lots=1, between two versions that both have them (1.2 and later): the lots, their
-- allocations and the lots' id sequence too.
\if :{?lots}
SELECT 'credit_lots', t::text FROM public.credit_lots t ORDER BY t.id;
SELECT 'credit_allocations', t::text FROM public.credit_allocations t
ORDER BY t.user_id, t.transaction_id, t.lot_id;
SELECT 'credit_lots_id_seq', last_value, is_called FROM public.credit_lots_id_seq;
\endif
