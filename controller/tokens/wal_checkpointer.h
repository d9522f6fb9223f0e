#ifndef PORTHOLE_CONTROLLER_TOKENS_WAL_CHECKPOINTER_H_
#define PORTHOLE_CONTROLLER_TOKENS_WAL_CHECKPOINTER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "controller/tokens/sqlite_status.h"

namespace porthole::controller {

// Checkpoints the WAL on a thread and connection of its own, so that
// requests rarely wait for the fsyncs a checkpoint does: from
// kCheckpointFrames pages on, or once a second when the WAL holds any. The
// store's connection reports each commit through sqlite3_wal_hook (which
// replaces SQLite's automatic checkpoint).
//
// The WAL only starts over when a write begins with every frame in it
// copied back, which a thread racing a steady stream of commits never sees.
// So when the thread's checkpoint of a large WAL ends partial, the next
// commit finishes it inline (a few frames and the fsyncs), as SQLite's own
// automatic checkpoint would, and the write after it starts the WAL over.
// Commits also checkpoint inline from kMaxFrames on whatever the thread
// does, and from kCheckpointFrames on once a checkpoint turned out to do
// nothing. Either way the WAL stays under kWalSizeLimitBytes.
// Internal to SqliteTokenStore, which owns one per file-backed store and
// registers OnCommit as its connection's sqlite3_wal_hook.
class WalCheckpointer {
 public:
  // SQLite's own threshold: about 4 MB of WAL, 200 tokens (5 pages each).
  static constexpr int kCheckpointFrames = 1000;
  // About 7.4 MB of WAL (a frame is a 4 KiB page and a 24-byte header).
  static constexpr int kMaxFrames = 1800;
  // The size the WAL stays under (the store's journal_size_limit).
  static constexpr int64_t kWalSizeLimitBytes = 8 << 20;
  static_assert(int64_t{kMaxFrames} * (4096 + 24) <
                kWalSizeLimitBytes * 9 / 10);

  // Opens its own connection to `path` (waiting up to `busy_timeout_ms` for
  // a lock) and starts the thread. `read_first` false reproduces SQLite
  // 3.40's no-op checkpoints, for tests.
  static absl::StatusOr<std::unique_ptr<WalCheckpointer>> Start(
      const std::string& path, int busy_timeout_ms, bool read_first);

  ~WalCheckpointer();  // stops and joins the thread
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // sqlite3_wal_hook callback, run by the committing connection with the
  // store's mutex held; `frames` is the WAL's size in pages.
  static int OnCommit(void* self, sqlite3* db, const char* name, int frames);

 private:
  explicit WalCheckpointer(sqlite::Connection db);

  void Note(int frames);
  // A checkpoint that does nothing is an error: the WAL would grow without
  // bound. Logged once; from then on commits checkpoint inline.
  void ReportNoOp(std::string_view connection);
  void Run();

  sqlite::Connection db_;  // used by the thread only
  std::atomic<bool> thread_works_{true};
  std::atomic<bool> no_op_logged_{false};
  // The thread's checkpoint ended partial: the next commit finishes it.
  std::atomic<bool> finish_inline_{false};
  // Held for the length of every checkpoint. Taken after the store's mutex.
  absl::Mutex checkpoint_mu_;
  absl::Mutex mu_;
  int frames_ ABSL_GUARDED_BY(mu_) = 0;  // the WAL's size at the last commit
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: starts after the fields above exist
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_TOKENS_WAL_CHECKPOINTER_H_
