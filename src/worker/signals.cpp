#include "signals.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <system_error>

namespace sora::worker {

namespace {

constexpr int kHandled[] = {SIGTERM, SIGINT, SIGCHLD};

std::atomic<int> stop_count{0};  // lock-free, so safe to change in a handler
std::atomic<int> wake_fd{-1};

void on_signal(int signal) {
  const int saved_errno = errno;
  if (signal != SIGCHLD) stop_count.fetch_add(1);
  const char byte = 0;
  // A full pipe already wakes the loop: a failed write loses nothing.
  [[maybe_unused]] const ssize_t written = write(wake_fd.load(), &byte, 1);
  errno = saved_errno;
}

}  // namespace

SignalPipe::SignalPipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw std::system_error(errno, std::generic_category(), "pipe2");
  }
  read_end_ = Fd(fds[0]);
  write_end_ = Fd(fds[1]);
  wake_fd.store(write_end_.get());

  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  // SA_RESTART: libpq's blocking calls are not cut short; SA_NOCLDSTOP: only ended children.
  action.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  for (int signal : kHandled) sigaction(signal, &action, nullptr);
}

SignalPipe::~SignalPipe() {
  for (int signal : kHandled) ::signal(signal, SIG_DFL);
  wake_fd.store(-1);
}

void SignalPipe::drain() const {
  char buffer[64];
  while (read(read_end_.get(), buffer, sizeof buffer) > 0) {
  }
}

int SignalPipe::stop_requests() const { return stop_count.load(); }

}  // namespace sora::worker
