#include <gtest/gtest.h>

#include <csignal>

int main(int argc, char** argv) {
  // The crash test kills the server under the clients: a write to a dead socket must be an
  // error that libpqxx reports, not a SIGPIPE that ends the test binary.
  std::signal(SIGPIPE, SIG_IGN);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
