// The worker's connection: one session acting as service_role (SET ROLE, and the JWT
// claims PostgREST would set), optionally listening on sora_credits_jobs. Failures come out
// as two exception types: ConnectionLost (worth retrying on a new connection, which the
// caller makes with connect()) and Refused (the server's answer to the statement).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "job.hpp"

namespace sora::worker {

class ConnectionLost : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Refused : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Database {
 public:
  static constexpr const char* kChannel = "sora_credits_jobs";

  Database(std::string dsn, bool listen);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Opens a new session (dropping any old one). Throws ConnectionLost or Refused (e.g. the
  // DSN's user may not SET ROLE service_role).
  void connect();
  bool connected() const;
  // The session's socket, to poll for notifications; -1 when not connected.
  int socket() const;
  // True when a notification arrived since the last call.
  bool take_notification();

  std::vector<Job> claim(int limit);
  // Both name the video's owner (2.0's p_user_id, which takes a call to the owner's shard
  // of a Citus cluster) where the extension has it, and only the video where it is at 1.x.
  void complete(const std::string& video_id, const std::string& user_id, const std::string& url);
  // Returns the credits this call refunded (0 when the video was already refunded).
  long long refund(const std::string& video_id, const std::string& user_id,
                   const std::string& reason);

 private:
  struct Session;
  template <typename F>
  auto guarded(F&& f);

  std::string dsn_;
  bool listen_;
  bool names_owner_ = false;  // the functions take p_user_id (read at every connect)
  std::unique_ptr<Session> session_;
};

}  // namespace sora::worker
