#include "support.hpp"

#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <random>
#include <sstream>
#include <string_view>

extern char** environ;

namespace itest {

Caller user(const std::string& id) { return Caller{"authenticated", id}; }
Caller service() { return Caller{"service_role", ""}; }

std::string claims_json(const Caller& who) {
  std::string sub = who.sub.empty() ? "" : "\"sub\":\"" + who.sub + "\",";
  return "{" + sub + "\"role\":\"" + who.role + "\"}";
}

void act_as(pqxx::transaction_base& tx, const Caller& who) {
  tx.exec_prepared("act", claims_json(who), who.role);
}

std::unique_ptr<pqxx::connection> connect() {
  auto conn = std::make_unique<pqxx::connection>("");
  conn->prepare("act",
                "SELECT set_config('request.jwt.claims', $1, true), set_config('role', $2, true)");
  conn->prepare("create",
                "SELECT r->>'video_id', (r->>'transaction_id')::bigint,"
                " (r->>'credits_charged')::bigint, (r->>'credits_remaining')::bigint,"
                " (r->>'idempotent_replay')::boolean, r->>'status'"
                " FROM create_video_generation($1, $2, $3, $4, $5) r");
  conn->prepare("refund",
                "SELECT (r->>'credits_refunded')::bigint, (r->>'transaction_id')::bigint,"
                " (r->>'already_refunded')::boolean, (r->>'credits_remaining')::bigint"
                " FROM refund_video_credits($1, $2) r");
  conn->prepare("complete",
                "SELECT (r->>'already_completed')::boolean, r->>'status'"
                " FROM complete_video_generation($1, $2) r");
  conn->prepare("claim",
                "SELECT count(*), count(*) FILTER (WHERE status <> 'processing')"
                " FROM claim_video_jobs($1)");
  conn->prepare("soft_delete",
                "SELECT (r->>'already_deleted')::boolean FROM soft_delete_video($1) r");
  conn->prepare("restore", "SELECT (r->>'already_active')::boolean FROM restore_video($1) r");
  conn->prepare("credit_info",
                "SELECT (r->>'credits')::bigint, (r->>'credits_reserved')::bigint,"
                " (r->>'lifetime_granted')::bigint, (r->>'lifetime_spent')::bigint,"
                " (r->>'lifetime_refunded')::bigint, (r->>'lifetime_expired')::bigint,"
                " (r->>'credits_paid')::bigint, (r->>'credits_promotional')::bigint,"
                " (r->'next_expiry'->>'credits')::bigint FROM get_credit_info($1) r");
  conn->prepare("grant",
                "SELECT (r->>'transaction_id')::bigint, (r->>'idempotent_replay')::boolean,"
                " (r->>'credits_remaining')::bigint FROM grant_credits($1, $2, $3, $4) r");
  // A grant that makes a lot (1.2) with an expiry $6 milliseconds after $5 (a timestamptz;
  // NULL: after the call's own now()), or never when $6 is NULL, and category $7 (NULL: the
  // kind's).
  conn->prepare("grant_lot",
                "SELECT (r->>'transaction_id')::bigint, (r->>'idempotent_replay')::boolean,"
                " (r->>'credits_remaining')::bigint FROM grant_credits($1, $2, $3, $4, NULL,"
                "   coalesce($5::timestamptz, now()) + $6::integer * interval '1 millisecond', $7) r");
  conn->prepare("expire_credits",
                "SELECT (r->>'lots_expired')::bigint, (r->>'credits_expired')::bigint"
                " FROM expire_credits() r");
  conn->prepare("list_deleted",
                "SELECT count(*), count(*) FILTER (WHERE user_id IS DISTINCT FROM auth.uid()"
                "                                   OR deleted_at IS NULL)"
                " FROM list_deleted_videos()");
  return conn;
}

std::string create_user(pqxx::connection& admin, std::int64_t credits) {
  pqxx::work tx(admin);
  std::string id =
      tx.exec1(
            "INSERT INTO auth.users (id, email) VALUES (gen_random_uuid(), 'itest@example.com')"
            " RETURNING id")[0]
          .as<std::string>();
  if (credits > 0) {
    act_as(tx, service());
    tx.exec_prepared("grant", id, credits, "grant", nullptr);
  }
  tx.commit();
  return id;
}

CallError current_error(const pqxx::connection& conn) {
  try {
    throw;
  } catch (const pqxx::in_doubt_error& e) {
    return {"in_doubt", e.what()};
  } catch (const pqxx::broken_connection& e) {
    return {"connection_lost", e.what()};
  } catch (const pqxx::deadlock_detected& e) {
    return {"40P01", e.what()};
  } catch (const pqxx::serialization_failure& e) {
    return {"40001", e.what()};
  } catch (const pqxx::transaction_rollback& e) {
    return {"40000", e.what()};
  } catch (const pqxx::sql_error& e) {
    // A Citus coordinator that lost a worker mid-call (test/citus/run.sh restarts one)
    // reports it with one of these (XX000, or 58030 for a COPY): the call's outcome is
    // unknown, as for a lost connection.
    std::string_view message(e.what());
    bool worker_lost = false;
    for (std::string_view citus : {"server closed the connection unexpectedly",
                                   "could not commit transaction for shard",
                                   "connection to the remote node", "failed to COPY to shard",
                                   "failure on connection marked as essential"}) {
      worker_lost = worker_lost || message.find(citus) != std::string_view::npos;
    }
    if ((e.sqlstate() == "XX000" || e.sqlstate() == "58030") && worker_lost) {
      return {"in_doubt", e.what()};
    }
    if (!e.sqlstate().empty()) return {e.sqlstate(), e.what()};
    // libpq may report the end of the connection this way before it marks the connection
    // closed (seen when the server is killed under load).
    bool lost = !conn.is_open() ||
                message.find("server closed the connection unexpectedly") != std::string_view::npos;
    return {lost ? "connection_lost" : "no_sqlstate", e.what()};
  }
}

bool is_crash_code(const std::string& code) {
  // 57P01/57P02: the backend was terminated by the shutdown; 57P03: not accepting
  // connections yet; class 08: the connection failed.
  return code == "connection_lost" || code == "in_doubt" || code == "57P01" || code == "57P02" ||
         code == "57P03" || code.rfind("08", 0) == 0;
}

std::int64_t backend_pid(pqxx::connection& conn) {
  pqxx::nontransaction tx(conn);
  return tx.exec1("SELECT pg_backend_pid()")[0].as<std::int64_t>();
}

void expect_backend_clean(pqxx::connection& admin, pqxx::connection& session, std::int64_t pid) {
  EXPECT_EQ(backend_pid(session), pid) << "the backend did not survive the error";
  {
    pqxx::nontransaction tx(admin);
    EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM pg_locks WHERE pid = $1", pid)[0]
                  .as<std::int64_t>(),
              0)
        << "the failed call left locks behind";
    EXPECT_EQ(tx.exec_params1("SELECT state FROM pg_stat_activity WHERE pid = $1", pid)[0]
                  .as<std::string>(),
              "idle")
        << "the session is still in a transaction";
  }
  // SPI's procedure and executor contexts live only while a function runs.
  pqxx::nontransaction tx(session);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM pg_backend_memory_contexts"
                     " WHERE name IN ('SPI Proc', 'SPI Exec', 'SPI TupTable')")[0]
                .as<std::int64_t>(),
            0)
      << "SPI state left open";
}

std::uint64_t seed() {
  static const std::uint64_t value = []() -> std::uint64_t {
    const char* given = std::getenv("SORA_SEED");
    if (given != nullptr && *given != '\0') return std::stoull(given);
    std::random_device device;
    return (std::uint64_t{device()} << 32) ^ device();
  }();
  return value;
}

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

bool run_shell(const std::string& command) {
  std::string bash = "bash", flag = "-c", script = command;
  char* argv[] = {bash.data(), flag.data(), script.data(), nullptr};
  pid_t pid = 0;
  int status = -1;
  bool ok = posix_spawnp(&pid, "bash", nullptr, nullptr, argv, environ) == 0 &&
            waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  EXPECT_TRUE(ok) << "failed: " << command;
  return ok;
}

namespace {

struct Invariant {
  const char* name;
  const char* violations;  // a query with one text column: one row per violation
};

// Each is also a query a Citus cluster runs (test/citus/run.sh): its joins and groups name
// the user (a cluster keys every table by (id, user_id)), but for the one that checks a
// video's entries are its owner's, which the cluster runs with citus.enable_repartition_joins.
const Invariant kInvariants[] = {
    {"verify_ledger() is empty",
     "SELECT user_id || ' credits ' || credits || ' ledger ' || coalesce(ledger_sum::text, '?')"
     "       || ' lots ' || coalesce(lots_remaining::text, '?') || ': ' || problem"
     " FROM verify_ledger()"},
    {"no negative balance or reservation",
     "SELECT id || ' credits ' || credits || ' reserved ' || credits_reserved FROM profiles"
     " WHERE credits < 0 OR credits_reserved < 0"},
    {"exactly one video_generation entry and at most one refund per video",
     "SELECT v.id || ' charges ' || count(t.id) FILTER (WHERE t.kind = 'video_generation')"
     "       || ' refunds ' || count(t.id) FILTER (WHERE t.kind = 'refund')"
     " FROM videos v LEFT JOIN credit_transactions t ON t.user_id = v.user_id AND t.video_id = v.id"
     " GROUP BY v.id"
     " HAVING count(t.id) FILTER (WHERE t.kind = 'video_generation') <> 1"
     "     OR count(t.id) FILTER (WHERE t.kind = 'refund') > 1"},
    {"a video's entries are its owner's and of its cost",
     "SELECT t.id || ' ' || t.kind || ' ' || t.amount || ' for video ' || v.id"
     " FROM videos v JOIN credit_transactions t ON t.video_id = v.id"
     " WHERE t.user_id <> v.user_id"
     "    OR t.amount <> CASE t.kind WHEN 'refund' THEN v.credits_cost ELSE -v.credits_cost END"},
    {"a video has a refund exactly when it failed",
     "SELECT v.id || ' ' || v.status FROM videos v WHERE (v.status = 'failed') <> EXISTS ("
     "  SELECT 1 FROM credit_transactions t"
     "  WHERE t.user_id = v.user_id AND t.video_id = v.id AND t.kind = 'refund')"},
    {"credits_reserved is the cost of the pending and processing videos",
     "SELECT p.id || ' reserved ' || p.credits_reserved || ' open ' || coalesce(sum("
     "       v.credits_cost) FILTER (WHERE v.status IN ('pending', 'processing')), 0)"
     " FROM profiles p LEFT JOIN videos v ON v.user_id = p.id GROUP BY p.id"
     " HAVING p.credits_reserved <> coalesce(sum(v.credits_cost)"
     "                              FILTER (WHERE v.status IN ('pending', 'processing')), 0)"},
    {"credits and the lifetime counters equal the ledger sums",
     "SELECT p.id || ' credits ' || p.credits || '/' || l.total || ' granted '"
     "       || p.lifetime_granted || '/' || l.granted || ' spent ' || p.lifetime_spent"
     "       || '/' || l.spent || ' refunded ' || p.lifetime_refunded || '/' || l.refunded"
     " FROM profiles p CROSS JOIN LATERAL ("
     "  SELECT coalesce(sum(amount), 0) AS total,"
     "         coalesce(sum(amount) FILTER (WHERE kind IN ('signup_bonus', 'purchase', 'grant',"
     "                                                   'adjustment')), 0) AS granted,"
     "         coalesce(-sum(amount) FILTER (WHERE kind = 'video_generation'), 0) AS spent,"
     "         coalesce(sum(amount) FILTER (WHERE kind = 'refund'), 0) AS refunded,"
     "         coalesce(-sum(amount) FILTER (WHERE kind = 'expiry'), 0) AS expired"
     "  FROM credit_transactions t WHERE t.user_id = p.id) l"
     " WHERE p.credits <> l.total OR p.lifetime_granted <> l.granted"
     "    OR p.lifetime_spent <> l.spent OR p.lifetime_refunded <> l.refunded"
     "    OR p.lifetime_expired <> l.expired"
     "    OR p.credits <> p.lifetime_granted - p.lifetime_spent + p.lifetime_refunded"
     "                    - p.lifetime_expired"},
    // Credit lots (1.2). The users of these tests are created at 1.2, so every entry of
    // theirs moved credits into or out of lots, recorded by its allocations.
    {"each balance equals the credits remaining in the user's lots",
     "SELECT p.id || ' credits ' || p.credits || ' lots ' || coalesce(sum(l.remaining), 0)"
     " FROM profiles p LEFT JOIN credit_lots l ON l.user_id = p.id GROUP BY p.id"
     " HAVING p.credits <> coalesce(sum(l.remaining), 0)"},
    {"0 <= remaining <= amount in every lot",
     "SELECT id || ' remaining ' || remaining || ' of ' || amount FROM credit_lots"
     " WHERE remaining < 0 OR remaining > amount"},
    {"each grant entry made one lot of its amount",
     "SELECT t.id || ' ' || t.kind || ' ' || t.amount || ' lots ' || count(l.id)"
     " FROM credit_transactions t LEFT JOIN credit_lots l"
     "   ON l.transaction_id = t.id AND l.user_id = t.user_id AND l.amount = t.amount"
     "  AND l.kind = t.kind"
     " WHERE t.kind IN ('signup_bonus', 'purchase', 'grant', 'adjustment')"
     " GROUP BY t.id, t.user_id HAVING count(l.id) <> 1"},
    {"each video_generation entry's allocations add up to its cost",
     "SELECT t.id || ' cost ' || -t.amount || ' allocated ' || coalesce(sum(a.amount), 0)"
     " FROM credit_transactions t LEFT JOIN credit_allocations a"
     "   ON a.transaction_id = t.id AND a.user_id = t.user_id"
     " WHERE t.kind = 'video_generation'"
     " GROUP BY t.id, t.user_id HAVING coalesce(sum(a.amount), 0) <> -t.amount"},
    {"each refund gives back to its charge's lots what the charge took",
     "SELECT r.id || ' returned ' || coalesce(ra.split, '-') || ' taken ' || coalesce(ca.split, '-')"
     " FROM credit_transactions r"
     " JOIN credit_transactions c"
     "   ON c.user_id = r.user_id AND c.video_id = r.video_id AND c.kind = 'video_generation'"
     " CROSS JOIN LATERAL (SELECT string_agg(a.lot_id || ':' || a.amount, ',' ORDER BY a.lot_id)"
     "                     FROM credit_allocations a"
     "                     WHERE a.user_id = r.user_id AND a.transaction_id = r.id) ra(split)"
     " CROSS JOIN LATERAL (SELECT string_agg(a.lot_id || ':' || a.amount, ',' ORDER BY a.lot_id)"
     "                     FROM credit_allocations a"
     "                     WHERE a.user_id = c.user_id AND a.transaction_id = c.id) ca(split)"
     " WHERE r.kind = 'refund' AND ra.split IS DISTINCT FROM ca.split"},
    {"each expiry entry wrote off one lot that had expired by then",
     "SELECT t.id || ' expired ' || -t.amount || ' lots ' || count(a.lot_id)"
     " FROM credit_transactions t"
     " LEFT JOIN credit_allocations a ON a.transaction_id = t.id AND a.user_id = t.user_id"
     " LEFT JOIN credit_lots l ON l.id = a.lot_id AND l.user_id = t.user_id"
     " WHERE t.kind = 'expiry'"
     " GROUP BY t.id, t.user_id"
     " HAVING count(a.lot_id) <> 1 OR coalesce(sum(a.amount), 0) <> -t.amount"
     "     OR bool_or(l.expires_at IS NULL OR l.expires_at > t.created_at)"},
    {"a lot is written off at most once, but for what refunds gave back to it",
     "SELECT l.id || ' expiries ' || count(*) FILTER (WHERE t.kind = 'expiry') || ' refunds '"
     "       || count(*) FILTER (WHERE t.kind = 'refund')"
     " FROM credit_lots l JOIN credit_allocations a ON a.user_id = l.user_id AND a.lot_id = l.id"
     " JOIN credit_transactions t ON t.user_id = a.user_id AND t.id = a.transaction_id"
     " GROUP BY l.id, l.user_id HAVING count(*) FILTER (WHERE t.kind = 'expiry')"
     "                      > 1 + count(*) FILTER (WHERE t.kind = 'refund')"},
    {"active_videos and deleted_videos count the videos",
     "SELECT p.id || ' active ' || p.active_videos || ' deleted ' || p.deleted_videos"
     " FROM profiles p LEFT JOIN videos v ON v.user_id = p.id GROUP BY p.id"
     " HAVING p.active_videos <> count(v.id) FILTER (WHERE v.deleted_at IS NULL)"
     "     OR p.deleted_videos <> count(v.id) FILTER (WHERE v.deleted_at IS NOT NULL)"},
    // Entries of one user are written under that user's profile lock, so in id order each
    // balance_after is the running sum: no entry was lost, reordered or written twice.
    {"each balance_after is the running sum of the user's ledger",
     "SELECT id || ' balance_after ' || balance_after || ' running sum ' || running FROM ("
     "  SELECT id, balance_after,"
     "         sum(amount) OVER (PARTITION BY user_id ORDER BY id) AS running"
     "  FROM credit_transactions) e WHERE balance_after <> running"},
};

// Count of the rows of a violations query and the first few of them.
template <typename... Args>
void expect_no_rows(pqxx::work& tx, const std::string& name, const std::string& violations,
                    Args&&... args) {
  pqxx::row found = tx.exec_params1(
      "SELECT count(*), coalesce(string_agg(d, '; ') FILTER (WHERE n <= 5), '') FROM ("
      "  SELECT d, row_number() OVER () AS n FROM (" +
          violations + ") c(d)) x",
      std::forward<Args>(args)...);
  EXPECT_EQ(found[0].as<std::int64_t>(), 0)
      << "broken: " << name << "; first rows: " << found[1].as<std::string>();
}

// A PostgreSQL array literal of the values (an empty string is NULL).
template <typename T, typename Field>
std::string array_of(const std::vector<T>& items, Field field) {
  std::ostringstream out;
  out << '{';
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string value = pqxx::to_string(field(items[i]));
    out << (i ? "," : "") << (value.empty() ? "NULL" : value);
  }
  out << '}';
  return out.str();
}

}  // namespace

void expect_ledger_invariants(pqxx::connection& conn) {
  pqxx::work tx(conn);
  for (const Invariant& invariant : kInvariants) {
    expect_no_rows(tx, invariant.name, invariant.violations);
  }
}

void expect_final_sweep_leaves_nothing_due(pqxx::connection& conn, std::ostream& out) {
  pqxx::work tx(conn);
  act_as(tx, service());
  pqxx::row swept = tx.exec_prepared1("expire_credits");
  tx.exec("SELECT set_config('role', 'none', true)");
  // In the sweep's transaction, so now() is the moment it judged expiry by.
  pqxx::row due = tx.exec1(
      "SELECT count(*), coalesce(string_agg(id || ' holds ' || remaining, '; ')"
      "                          FILTER (WHERE n <= 5), '')"
      " FROM (SELECT id, remaining, row_number() OVER () AS n FROM credit_lots"
      "       WHERE remaining > 0 AND expires_at <= now()) d");
  EXPECT_EQ(due[0].as<std::int64_t>(), 0)
      << "lots past their expiry still hold credits after a sweep: " << due[1].as<std::string>();
  // (Two subqueries in FROM, which a Citus cluster runs too: test/citus/run.sh.)
  pqxx::row lots = tx.exec1(
      "SELECT l.*, e.* FROM"
      " (SELECT count(*), count(*) FILTER (WHERE expires_at IS NOT NULL),"
      "         count(*) FILTER (WHERE expires_at <= now()) FROM credit_lots) l,"
      " (SELECT count(*), coalesce(-sum(amount), 0) FROM credit_transactions"
      "  WHERE kind = 'expiry') e");
  tx.commit();
  out << "lots: " << lots[0].as<std::int64_t>() << " (" << lots[1].as<std::int64_t>()
      << " with an expiry, " << lots[2].as<std::int64_t>() << " expired), "
      << lots[3].as<std::int64_t>() << " expiry entries writing off "
      << lots[4].as<std::int64_t>() << " credits; the final sweep wrote off "
      << swept[0].as<std::int64_t>() << " lots, " << swept[1].as<std::int64_t>() << " credits"
      << std::endl;
}

void expect_acknowledged(pqxx::connection& conn, const std::vector<AckedEntry>& entries,
                         const std::vector<AckedStatus>& statuses) {
  pqxx::work tx(conn);
  expect_no_rows(tx, "every acknowledged ledger entry exists, with its video",
                 "SELECT a.id || ' ' || a.kind || ' ' || a.amount"
                 " FROM unnest($1::bigint[], $2::text[], $3::uuid[], $4::uuid[], $5::bigint[])"
                 "      AS a(id, kind, user_id, video_id, amount)"
                 " LEFT JOIN credit_transactions t ON t.id = a.id"
                 " LEFT JOIN videos v ON v.id = a.video_id"
                 " WHERE t.id IS NULL OR t.kind <> a.kind OR t.user_id <> a.user_id"
                 "    OR t.video_id IS DISTINCT FROM a.video_id OR t.amount <> a.amount"
                 "    OR (a.video_id IS NOT NULL AND (v.id IS NULL OR v.user_id <> a.user_id))",
                 array_of(entries, [](const AckedEntry& e) { return e.transaction_id; }),
                 array_of(entries, [](const AckedEntry& e) { return e.kind; }),
                 array_of(entries, [](const AckedEntry& e) { return e.user_id; }),
                 array_of(entries, [](const AckedEntry& e) { return e.video_id; }),
                 array_of(entries, [](const AckedEntry& e) { return e.amount; }));
  expect_no_rows(tx, "every acknowledged final video status stays",
                 "SELECT a.id || ' ' || a.status || ' is ' || coalesce(v.status, 'missing')"
                 " FROM unnest($1::uuid[], $2::text[]) AS a(id, status)"
                 " LEFT JOIN videos v ON v.id = a.id WHERE v.status IS DISTINCT FROM a.status",
                 array_of(statuses, [](const AckedStatus& s) { return s.video_id; }),
                 array_of(statuses, [](const AckedStatus& s) { return s.status; }));
}

}  // namespace itest
