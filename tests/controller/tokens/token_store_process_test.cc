// The token store inside the real porthole-controller: thousands of console
// URLs through HTTP, and what that leaves on disk.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "controller/tokens/sqlite_token_store.h"
#include "tests/support/controller_stack.h"
#include "tests/support/http_client.h"
#include "tests/support/nova_reply.h"

namespace porthole::testing {
namespace {

constexpr char kVnc[] = "11111111-1111-4111-8111-111111111111";

int64_t FileSize(const std::string& path) {
  struct stat file_stat;
  return stat(path.c_str(), &file_stat) == 0 ? file_stat.st_size : 0;
}

// Issue 16 item 1: 4,000 URLs left an 80 MB WAL beside a 4,096-byte
// tokens.db until the controller stopped.
TEST(TokenStoreProcess, ThreeThousandUrls_WalStaysBounded_TokensDbGrows) {
  // One user at full speed: no URL limit.
  ControllerStack stack("", "[api]\nconsole_urls_per_minute = 0\n");
  ASSERT_TRUE(stack.Start()) << stack.ControllerLog() << stack.AgentLog();
  const std::string db = stack.dir() + "/tokens.db";
  constexpr int kUrls = 3000;
  constexpr int kClients = 4;
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  std::atomic<int64_t> largest_wal{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      while (next.fetch_add(1) < kUrls) {
        HttpReply reply = PostVncConsole(stack.api_port(), kVnc, kAliceToken);
        if (reply.status != 200) ++failures;
        int64_t wal = FileSize(db + "-wal");
        int64_t seen = largest_wal.load();
        while (wal > seen && !largest_wal.compare_exchange_weak(seen, wal)) {
        }
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(failures.load(), 0) << stack.ControllerLog();
  EXPECT_LE(largest_wal.load(),
            controller::SqliteTokenStore::kWalSizeLimitBytes);
  // While the controller still runs (a clean stop folds the WAL in anyway).
  // 3,000 rows take ~1 MB; the bug left tokens.db at 4,096 bytes.
  EXPECT_TRUE(
      WaitFor([&] { return FileSize(db) > 500'000; }, std::chrono::seconds(10)))
      << "tokens.db " << FileSize(db) << " bytes, WAL "
      << FileSize(db + "-wal");
  EXPECT_LE(FileSize(db + "-wal"),
            controller::SqliteTokenStore::kWalSizeLimitBytes);
  EXPECT_TRUE(stack.controller()->running());
  EXPECT_EQ(stack.ControllerLog().find("checkpoint"), std::string::npos)
      << stack.ControllerLog();
}

}  // namespace
}  // namespace porthole::testing
