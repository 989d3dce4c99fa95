// One run of the generator command: /bin/sh -c in a process group of its own, stdout and
// stderr read through pipes. The object owns the child: destroying it kills and reaps
// whatever is still running.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "outcome.hpp"

namespace sora::worker {

// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() noexcept;
  void reset() noexcept;

 private:
  int fd_ = -1;
};

class Generator {
 public:
  // Starts the command; throws std::system_error when it cannot be started.
  Generator(const std::string& command, const std::vector<std::string>& environment);
  Generator(Generator&& other) noexcept;
  Generator& operator=(Generator&&) = delete;
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;
  ~Generator();

  // The open output pipes (at most two), to poll for reading.
  std::vector<int> open_fds() const;
  // Reads what is available on one of them; closes it at end of file.
  void read_from(int fd);

  // SIGKILL to the whole process group (the shell and everything it started).
  void kill_group() const;

  // The wait status once the shell has ended, nullopt while it runs. When it has ended,
  // whatever it left running in its group is killed, and the rest of its output read.
  std::optional<int> try_wait();

  std::string_view out() const { return out_tail_.text(); }
  std::string_view err() const { return err_tail_.text(); }

 private:
  pid_t pid_ = -1;  // also the process group id; -1 once reaped
  Fd out_;
  Fd err_;
  OutputTail out_tail_;
  OutputTail err_tail_;
};

}  // namespace sora::worker
