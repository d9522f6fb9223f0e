#ifndef PORTHOLE_TESTS_SUPPORT_TCP_ECHO_SERVER_H_
#define PORTHOLE_TESTS_SUPPORT_TCP_ECHO_SERVER_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace porthole::testing {

// A TCP listener on 127.0.0.1 standing in for a guest's serial port: it
// optionally sends a greeting to each new connection, then echoes every byte
// back. Counts connections accepted and connections that ended (the peer
// closed), so a test can see that the proxy closed its side. One thread;
// stopped and joined by the destructor.
class TcpEchoServer {
 public:
  explicit TcpEchoServer(std::string greeting = "");
  ~TcpEchoServer();
  TcpEchoServer(const TcpEchoServer&) = delete;
  TcpEchoServer& operator=(const TcpEchoServer&) = delete;

  int port() const { return port_; }
  int accepted() const { return accepted_.load(); }
  int ended() const { return ended_.load(); }
  uint64_t bytes_echoed() const { return bytes_.load(); }

 private:
  void Run();

  std::string greeting_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<int> accepted_{0};
  std::atomic<int> ended_{0};
  std::atomic<uint64_t> bytes_{0};
  std::thread thread_;
};

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_SUPPORT_TCP_ECHO_SERVER_H_
