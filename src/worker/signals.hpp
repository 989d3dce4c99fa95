// SIGTERM and SIGINT ask the worker to stop; SIGCHLD says a generator ended. The handlers
// only count and write a byte to a pipe, which the event loop polls (the self-pipe trick),
// so a signal wakes the loop wherever it waits.
#pragma once

#include "process.hpp"

namespace sora::worker {

class SignalPipe {
 public:
  SignalPipe();   // installs the handlers (one instance at a time); throws std::system_error
  ~SignalPipe();  // restores the default actions
  SignalPipe(const SignalPipe&) = delete;
  SignalPipe& operator=(const SignalPipe&) = delete;

  int fd() const { return read_end_.get(); }
  void drain() const;
  // How many times SIGTERM or SIGINT arrived.
  int stop_requests() const;

 private:
  Fd read_end_;
  Fd write_end_;
};

}  // namespace sora::worker
