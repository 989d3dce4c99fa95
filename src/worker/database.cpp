#include "database.hpp"

#include <pqxx/pqxx>

#include <utility>

#include "reporting.hpp"

namespace sora::worker {

namespace {

// Sets a flag when a notification arrives on the channel.
class Wakeup : public pqxx::notification_receiver {
 public:
  Wakeup(pqxx::connection_base& connection, const std::string& channel)
      : pqxx::notification_receiver(connection, channel) {}
  void operator()(const std::string&, int) override { notified = true; }
  bool notified = false;
};

}  // namespace

struct Database::Session {
  explicit Session(const std::string& dsn) : connection(dsn) {
    // A lost connection must surface as an error, never be silently reopened by libpqxx:
    // a reopened session would lack SET ROLE, and the worker decides when to reconnect.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    connection.inhibit_reactivation(true);
#pragma GCC diagnostic pop
  }
  pqxx::connection connection;
  std::unique_ptr<Wakeup> wakeup;  // declared after the connection: destroyed before it
};

Database::Database(std::string dsn, bool listen) : dsn_(std::move(dsn)), listen_(listen) {}

Database::~Database() = default;

// Runs f on the session, turning libpqxx's errors into ConnectionLost (the session is then
// dropped) or Refused.
template <typename F>
auto Database::guarded(F&& f) {
  if (!session_) throw ConnectionLost("not connected");
  std::string lost;
  try {
    return f(session_->connection);
  } catch (const pqxx::sql_error& e) {
    if (session_->connection.is_open() && !is_transient(e.sqlstate())) {
      throw Refused(server_message(e.what()));
    }
    lost = server_message(e.what());
  } catch (const pqxx::failure& e) {  // broken_connection, in_doubt_error, ...
    lost = server_message(e.what());
  }
  session_.reset();
  throw ConnectionLost(lost);
}

void Database::connect() {
  session_.reset();
  try {
    session_ = std::make_unique<Session>(dsn_);
  } catch (const pqxx::failure& e) {
    throw ConnectionLost(server_message(e.what()));
  }
  try {
    guarded([&](pqxx::connection& c) {
      {
        pqxx::nontransaction tx(c);
        // The service functions are granted to service_role; the claims make auth.role()
        // say service_role too, as in a PostgREST request with the service role key.
        tx.exec("SET ROLE service_role");
        tx.exec("SELECT set_config('request.jwt.claims', '{\"role\":\"service_role\"}', false)");
        tx.exec(
            "SELECT set_config('application_name', 'sora-worker', false) "
            "WHERE current_setting('application_name') = ''");
        // Read again at every connect: the extension may have been updated meanwhile.
        names_owner_ = tx.exec1(
                             "SELECT to_regprocedure('complete_video_generation(uuid,text,uuid)') "
                             "IS NOT NULL AND "
                             "to_regprocedure('refund_video_credits(uuid,text,uuid)') IS NOT NULL")[0]
                           .as<bool>();
      }
      if (listen_) session_->wakeup = std::make_unique<Wakeup>(c, kChannel);  // LISTEN
    });
  } catch (const Refused&) {
    session_.reset();  // a session that is not service_role must not count as connected
    throw;
  }
}

bool Database::connected() const { return session_ && session_->connection.is_open(); }

int Database::socket() const { return connected() ? session_->connection.sock() : -1; }

bool Database::take_notification() {
  return guarded([&](pqxx::connection& c) {
    c.get_notifs();
    if (!c.is_open()) throw pqxx::broken_connection("the server closed the connection");
    return session_->wakeup && std::exchange(session_->wakeup->notified, false);
  });
}

std::vector<Job> Database::claim(int limit) {
  return guarded([&](pqxx::connection& c) {
    pqxx::work tx(c);
    const pqxx::result rows = tx.exec_params(
        "SELECT id::text, user_id::text, prompt, model, resolution, duration_seconds "
        "FROM claim_video_jobs($1)",
        limit);
    tx.commit();
    std::vector<Job> jobs;
    for (const pqxx::row& row : rows) {
      jobs.push_back(Job{row[0].as<std::string>(), row[1].as<std::string>(),
                         row[2].as<std::string>(), row[3].as<std::string>(),
                         row[4].as<std::string>(), row[5].as<int>()});
    }
    return jobs;
  });
}

void Database::complete(const std::string& video_id, const std::string& user_id,
                        const std::string& url) {
  guarded([&](pqxx::connection& c) {
    pqxx::work tx(c);
    if (names_owner_) {
      tx.exec_params("SELECT complete_video_generation($1::uuid, $2, $3::uuid)", video_id, url,
                     user_id);
    } else {
      tx.exec_params("SELECT complete_video_generation($1::uuid, $2)", video_id, url);
    }
    tx.commit();
  });
}

long long Database::refund(const std::string& video_id, const std::string& user_id,
                           const std::string& reason) {
  return guarded([&](pqxx::connection& c) {
    pqxx::work tx(c);
    const pqxx::row row =
        names_owner_
            ? tx.exec_params1("SELECT (refund_video_credits($1::uuid, $2, $3::uuid) ->> "
                              "'credits_refunded')::bigint",
                              video_id, reason, user_id)
            : tx.exec_params1(
                  "SELECT (refund_video_credits($1::uuid, $2) ->> 'credits_refunded')::bigint",
                  video_id, reason);
    tx.commit();
    return row[0].as<long long>();
  });
}

}  // namespace sora::worker
