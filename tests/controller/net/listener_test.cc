// The network edge over real loopback sockets: a Listener, a ConnectionSet
// and an EventLoop running a tiny line server, with raw clients.
#include "controller/net/listener.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "controller/net/connection_set.h"
#include "controller/net/event_loop.h"
#include "tests/support/child_process.h"
#include "tests/support/raw_socket.h"

namespace porthole::controller::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;
using testing::RawSocket;

// Answers each read: "peer" -> the normalised peer address, "slow" -> "done"
// after 300 ms, anything else is echoed. A refused connection gets
// "refused N" (N: the Refusal value) and is closed.
class LineServer {
 public:
  explicit LineServer(ConnectionLimits limits, std::string host = "127.0.0.1",
                      int threads = 1)
      : loop_(threads),
        connections_(std::move(limits)),
        listener_(loop_, connections_, {"test", {std::move(host), 0}},
                  [this](tcp::socket socket, Connection& conn) {
                    return Serve(std::move(socket), conn);
                  }) {}
  ~LineServer() { Stop(absl::ZeroDuration()); }

  absl::Status Start() {
    if (absl::Status s = listener_.Bind(); !s.ok()) return s;
    loop_.Start();
    listener_.Start();
    return absl::OkStatus();
  }
  void Stop(absl::Duration drain) {
    if (stopped_) return;
    stopped_ = true;
    listener_.Close();
    left_after_drain_ = connections_.Drain(drain);
    loop_.Stop();
  }
  int port() const { return listener_.port(); }
  ConnectionSet& connections() { return connections_; }
  size_t left_after_drain() const { return left_after_drain_; }

 private:
  asio::awaitable<void> Serve(tcp::socket socket, Connection& conn) {
    boost::system::error_code ec;
    if (conn.refusal() != Refusal::kNone) {
      const std::string reply =
          "refused " + std::to_string(static_cast<int>(conn.refusal()));
      co_await asio::async_write(socket, asio::buffer(reply),
                                 asio::redirect_error(asio::use_awaitable, ec));
      co_return;
    }
    conn.OnClose([&socket] {
      boost::system::error_code ignored;
      socket.close(ignored);
    });
    char buf[256];
    for (;;) {
      if (!conn.Idle()) co_return;
      const size_t n = co_await socket.async_read_some(
          asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      conn.Busy();
      std::string reply(buf, n);
      if (reply == "peer") {
        reply = conn.peer();
      } else if (reply == "slow") {
        asio::steady_timer timer(socket.get_executor());
        timer.expires_after(milliseconds(300));
        co_await timer.async_wait(
            asio::redirect_error(asio::use_awaitable, ec));
        reply = "done";
      }
      co_await asio::async_write(socket, asio::buffer(reply),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
    }
  }

  EventLoop loop_;
  ConnectionSet connections_;
  Listener listener_;
  bool stopped_ = false;
  size_t left_after_drain_ = 0;
};

std::string Ask(RawSocket& client, const std::string& line) {
  if (!client.Send(line)) return "<send failed>";
  return client.ReadSome();
}

TEST(Listener, HostName_IsResolvedAndServed) {
  LineServer server({}, "localhost");
  ASSERT_TRUE(server.Start().ok());
  RawSocket client;
  ASSERT_TRUE(client.Connect(server.port(), "127.0.0.1"));
  EXPECT_EQ(Ask(client, "hello"), "hello");
}

TEST(Listener, UnresolvableName_FailsNamingTheAddress) {
  LineServer server({}, "no-such-host.invalid");
  absl::Status s = server.Start();
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(std::string(s.message())
                .rfind("cannot listen on no-such-host.invalid:0: ", 0),
            0u)
      << s;
}

TEST(Listener, PortInUse_FailsNamingTheAddress) {
  LineServer first({});
  ASSERT_TRUE(first.Start().ok());
  EventLoop loop;
  ConnectionSet set({});
  Listener second(loop, set,
                  {"test", {"127.0.0.1", static_cast<uint16_t>(first.port())}},
                  nullptr);
  absl::Status s = second.Bind();
  EXPECT_EQ(s.message(),
            "cannot listen on 127.0.0.1:" + std::to_string(first.port()) +
                ": Address already in use");
}

TEST(Listener, DualStackListener_Ipv4PeerIsWrittenAsIpv4) {
  LineServer server({}, "::");
  if (!server.Start().ok()) GTEST_SKIP() << "no IPv6 on this host";
  RawSocket client;
  ASSERT_TRUE(client.Connect(server.port(), "127.0.0.1"));
  EXPECT_EQ(Ask(client, "peer"), "127.0.0.1");
}

TEST(Listener, PastTheLimit_HandlerIsToldToRefuse) {
  ConnectionLimits limits;
  limits.max_connections = 2;
  LineServer server(limits);
  ASSERT_TRUE(server.Start().ok());
  RawSocket a, b, c;
  ASSERT_TRUE(a.Connect(server.port()));
  ASSERT_TRUE(b.Connect(server.port()));
  EXPECT_EQ(Ask(a, "x"), "x");
  EXPECT_EQ(Ask(b, "y"), "y");
  ASSERT_TRUE(c.Connect(server.port()));
  bool closed = false;
  EXPECT_EQ(c.ReadUntilClose(milliseconds(2000), &closed), "refused 1");
  EXPECT_TRUE(closed);
  // A slot frees up when a client leaves.
  a.Close();
  ASSERT_TRUE(testing::WaitFor([&] { return server.connections().size() == 1; },
                               milliseconds(2000)));
  RawSocket d;
  ASSERT_TRUE(d.Connect(server.port()));
  EXPECT_EQ(Ask(d, "z"), "z");
}

TEST(Listener, PerPeerLimit_RefusesThatPeerOnly) {
  ConnectionLimits limits;
  limits.max_per_peer = 1;
  LineServer server(limits, "0.0.0.0");
  ASSERT_TRUE(server.Start().ok());
  RawSocket first, second, other;
  ASSERT_TRUE(first.Connect(server.port(), "127.0.0.1", "127.0.0.1"));
  EXPECT_EQ(Ask(first, "peer"), "127.0.0.1");
  ASSERT_TRUE(second.Connect(server.port(), "127.0.0.1", "127.0.0.1"));
  EXPECT_EQ(second.ReadUntilClose(milliseconds(2000)), "refused 2");
  if (!other.Connect(server.port(), "127.0.0.1", "127.0.0.2")) {
    GTEST_SKIP() << "cannot bind 127.0.0.2 here";
  }
  EXPECT_EQ(Ask(other, "peer"), "127.0.0.2");
}

TEST(Listener, PerPeerLimit_ExemptPeerIsNotRefused) {
  ConnectionLimits limits;
  limits.max_per_peer = 1;
  limits.exempt_peer = [](std::string_view peer) {
    return peer == "127.0.0.1";
  };
  LineServer server(limits);
  ASSERT_TRUE(server.Start().ok());
  RawSocket first, second;
  ASSERT_TRUE(first.Connect(server.port()));
  ASSERT_TRUE(second.Connect(server.port()));
  EXPECT_EQ(Ask(first, "a"), "a");
  EXPECT_EQ(Ask(second, "b"), "b");
}

TEST(Listener, Drain_ClosesIdleAtOnceAndLetsBusyFinish) {
  LineServer server({});
  ASSERT_TRUE(server.Start().ok());
  RawSocket idle, busy;
  ASSERT_TRUE(idle.Connect(server.port()));
  ASSERT_TRUE(busy.Connect(server.port()));
  EXPECT_EQ(Ask(idle, "hi"), "hi");
  ASSERT_TRUE(busy.Send("slow"));
  ASSERT_TRUE(testing::WaitFor([&] { return server.connections().size() == 2; },
                               milliseconds(2000)));
  std::this_thread::sleep_for(milliseconds(50));  // "slow" is being served
  const auto started = std::chrono::steady_clock::now();
  server.Stop(absl::Seconds(5));
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(2000));
  EXPECT_EQ(server.left_after_drain(), 0u);
  bool closed = false;
  EXPECT_EQ(idle.ReadUntilClose(milliseconds(1000), &closed), "");
  EXPECT_TRUE(closed);
  EXPECT_EQ(busy.ReadUntilClose(milliseconds(1000), &closed), "done");
  EXPECT_TRUE(closed);
}

TEST(Listener, DrainTimeOver_ClosersEndWhatIsLeft) {
  LineServer server({});
  ASSERT_TRUE(server.Start().ok());
  RawSocket busy;
  ASSERT_TRUE(busy.Connect(server.port()));
  ASSERT_TRUE(busy.Send("slow"));
  std::this_thread::sleep_for(milliseconds(50));
  server.Stop(absl::Milliseconds(10));
  EXPECT_EQ(server.left_after_drain(), 0u);
  bool closed = false;
  busy.ReadUntilClose(milliseconds(1000), &closed);
  EXPECT_TRUE(closed);
}

TEST(Listener, Close_StopsAccepting) {
  LineServer server({});
  ASSERT_TRUE(server.Start().ok());
  const int port = server.port();
  server.Stop(absl::ZeroDuration());
  RawSocket late;
  EXPECT_FALSE(late.Connect(port));
}

TEST(Listener, SeveralThreads_ManyClientsEachSeeTheirOwnAnswers) {
  LineServer server({}, "127.0.0.1", 4);
  ASSERT_TRUE(server.Start().ok());
  std::vector<std::unique_ptr<RawSocket>> clients;
  for (int i = 0; i < 64; ++i) {
    clients.push_back(std::make_unique<RawSocket>());
    ASSERT_TRUE(clients.back()->Connect(server.port()));
  }
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < clients.size(); ++i) {
      ASSERT_TRUE(clients[i]->Send("c" + std::to_string(i)));
    }
    for (size_t i = 0; i < clients.size(); ++i) {
      EXPECT_EQ(clients[i]->ReadSome(), "c" + std::to_string(i));
    }
  }
}

}  // namespace
}  // namespace porthole::controller::net
