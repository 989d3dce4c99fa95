#include "process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace sora::worker {

namespace {

[[noreturn]] void fail(int error, const char* what) {
  throw std::system_error(error, std::generic_category(), what);
}

// A pipe whose ends are closed in every child (the spawn dups the write end onto 1 or 2);
// the read end does not block.
std::pair<Fd, Fd> make_pipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) fail(errno, "pipe2");
  Fd read_end(fds[0]);
  Fd write_end(fds[1]);
  if (fcntl(read_end.get(), F_SETFL, O_NONBLOCK) != 0) fail(errno, "fcntl");
  return {std::move(read_end), std::move(write_end)};
}

// A posix_spawn object, initialised and destroyed with its pair of functions.
template <typename T, int (*Init)(T*), int (*Destroy)(T*)>
struct SpawnObject {
  T value;
  SpawnObject() { Init(&value); }
  ~SpawnObject() { Destroy(&value); }
  SpawnObject(const SpawnObject&) = delete;
  SpawnObject& operator=(const SpawnObject&) = delete;
};
using SpawnActions = SpawnObject<posix_spawn_file_actions_t, posix_spawn_file_actions_init,
                                 posix_spawn_file_actions_destroy>;
using SpawnAttributes =
    SpawnObject<posix_spawnattr_t, posix_spawnattr_init, posix_spawnattr_destroy>;

void check(int result, const char* what) {
  if (result != 0) fail(result, what);
}

// posix_spawn wants a NULL-terminated array of mutable C strings.
std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = other.release();
  }
  return *this;
}

int Fd::release() noexcept { return std::exchange(fd_, -1); }

void Fd::reset() noexcept {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

Generator::Generator(const std::string& command, const std::vector<std::string>& environment) {
  auto [out_read, out_write] = make_pipe();
  auto [err_read, err_write] = make_pipe();

  SpawnActions actions;
  check(posix_spawn_file_actions_addopen(&actions.value, 0, "/dev/null", O_RDONLY, 0),
        "posix_spawn_file_actions_addopen");
  check(posix_spawn_file_actions_adddup2(&actions.value, out_write.get(), 1),
        "posix_spawn_file_actions_adddup2");
  check(posix_spawn_file_actions_adddup2(&actions.value, err_write.get(), 2),
        "posix_spawn_file_actions_adddup2");

  // A process group of its own: a timeout kills everything the command started, and a
  // Ctrl-C in the worker's terminal reaches the worker only (which decides what to stop).
  SpawnAttributes attributes;
  sigset_t no_signals;
  sigemptyset(&no_signals);
  check(posix_spawnattr_setflags(&attributes.value, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK),
        "posix_spawnattr_setflags");
  check(posix_spawnattr_setpgroup(&attributes.value, 0), "posix_spawnattr_setpgroup");
  check(posix_spawnattr_setsigmask(&attributes.value, &no_signals), "posix_spawnattr_setsigmask");

  std::vector<std::string> args{"/bin/sh", "-c", command};
  std::vector<std::string> env = environment;
  std::vector<char*> argv = c_strings(args);
  std::vector<char*> envp = c_strings(env);
  check(posix_spawn(&pid_, "/bin/sh", &actions.value, &attributes.value, argv.data(), envp.data()),
        "posix_spawn /bin/sh");
  out_ = std::move(out_read);
  err_ = std::move(err_read);
}  // the write ends close here: the pipes reach end of file when the child's group is done

Generator::Generator(Generator&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      out_(std::move(other.out_)),
      err_(std::move(other.err_)),
      out_tail_(std::move(other.out_tail_)),
      err_tail_(std::move(other.err_tail_)) {}

Generator::~Generator() {
  if (pid_ > 0) {
    kill_group();
    waitpid(pid_, nullptr, 0);
  }
}

std::vector<int> Generator::open_fds() const {
  std::vector<int> fds;
  if (out_) fds.push_back(out_.get());
  if (err_) fds.push_back(err_.get());
  return fds;
}

void Generator::read_from(int fd) {
  Fd& pipe = fd == out_.get() ? out_ : err_;
  OutputTail& tail = fd == out_.get() ? out_tail_ : err_tail_;
  char buffer[65536];
  while (pipe) {
    const ssize_t n = read(pipe.get(), buffer, sizeof buffer);
    if (n > 0) {
      tail.append(std::string_view(buffer, static_cast<std::size_t>(n)));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      // End of file or an error: nothing more will come. EAGAIN: nothing more for now.
      if (n == 0 || errno != EAGAIN) pipe.reset();
      return;
    }
  }
}

void Generator::kill_group() const {
  if (pid_ > 0) kill(-pid_, SIGKILL);
}

std::optional<int> Generator::try_wait() {
  if (pid_ <= 0) return std::nullopt;
  siginfo_t info{};
  // WNOWAIT: the ended shell stays a zombie, so its pid cannot be reused while its group is
  // killed below.
  if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
      info.si_pid == 0) {
    return std::nullopt;
  }
  kill_group();
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  for (int fd : open_fds()) read_from(fd);
  out_.reset();
  err_.reset();
  return status;
}

}  // namespace sora::worker
