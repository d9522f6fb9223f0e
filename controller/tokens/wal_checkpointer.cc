#include "controller/tokens/wal_checkpointer.h"

#include <sqlite3.h>

#include <utility>

#include "common/logging.h"

namespace porthole::controller {
namespace {

// One PASSIVE checkpoint (it never waits for readers or writers) on `db`.
enum class CheckpointResult {
  kComplete,  // every frame copied back: the next write starts the WAL over
  kPartial,   // commits landed meanwhile, or a reader holds an old snapshot
  kBusy,      // another connection is checkpointing right now
  kNoOp,      // OK, but no WAL: see below
  kFailed,
};

CheckpointResult Checkpoint(sqlite3* db, std::string_view who,
                            int* log_frames) {
  int checkpointed = -1;
  *log_frames = -1;
  int rc = sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE,
                                     log_frames, &checkpointed);
  if ((rc & 0xff) == SQLITE_BUSY) return CheckpointResult::kBusy;
  if (rc != SQLITE_OK) {
    LogWarning("tokens", "checkpoint failed ", LogField("by", who), " ",
               LogField("error", sqlite::Why(db, rc)));
    return CheckpointResult::kFailed;
  }
  // OK without a WAL: the connection does not know that the file is in WAL
  // mode (SQLite 3.40, for a connection that never read it), so nothing
  // was copied and the WAL keeps growing.
  if (*log_frames < 0) return CheckpointResult::kNoOp;
  return checkpointed == *log_frames ? CheckpointResult::kComplete
                                     : CheckpointResult::kPartial;
}

}  // namespace

absl::StatusOr<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(
    const std::string& path, int busy_timeout_ms, bool read_first) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  sqlite::Connection db(raw);
  if (rc != SQLITE_OK) return absl::InternalError(sqlite::Why(raw, rc));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  // A connection learns that the file is in WAL mode (and opens the WAL)
  // only when it first reads it. Until then SQLite 3.40 answers every
  // checkpoint with OK and pnLog = -1, and does nothing.
  if (read_first) {
    absl::StatusOr<std::string> version =
        sqlite::QueryText(raw, "PRAGMA user_version");
    if (!version.ok()) return version.status();
  }
  return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(std::move(db)));
}

WalCheckpointer::WalCheckpointer(sqlite::Connection db)
    : db_(std::move(db)), thread_([this] { Run(); }) {}

WalCheckpointer::~WalCheckpointer() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

int WalCheckpointer::OnCommit(void* self, sqlite3* db, const char*,
                              int frames) {
  auto* checkpointer = static_cast<WalCheckpointer*>(self);
  const bool thread_works = checkpointer->thread_works_.load();
  const bool inline_now =
      thread_works
          ? checkpointer->finish_inline_.exchange(false) || frames >= kMaxFrames
          : frames >= kCheckpointFrames;
  if (!inline_now) {
    checkpointer->Note(frames);
    return SQLITE_OK;
  }
  // Waits only when the thread is checkpointing too (past kMaxFrames): of
  // two checkpoints at once, one gives up.
  absl::MutexLock one_at_a_time(&checkpointer->checkpoint_mu_);
  int log_frames = -1;
  if (Checkpoint(db, "commit", &log_frames) == CheckpointResult::kNoOp) {
    checkpointer->ReportNoOp("store");
  }
  return SQLITE_OK;
}

void WalCheckpointer::Note(int frames) {
  absl::MutexLock lock(&mu_);
  frames_ = frames;
}

void WalCheckpointer::ReportNoOp(std::string_view connection) {
  if (!no_op_logged_.exchange(true)) {
    LogError("tokens",
             "a WAL checkpoint did nothing (SQLite reports no WAL); "
             "checkpointing on commit instead ",
             LogField("connection", connection));
  }
  thread_works_ = false;
}

void WalCheckpointer::Run() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    auto due = [this] { return stopping_ || frames_ >= kCheckpointFrames; };
    mu_.AwaitWithTimeout(absl::Condition(&due), absl::Seconds(1));
    if (stopping_ || frames_ == 0) continue;
    frames_ = 0;
    if (!thread_works_) continue;  // commits checkpoint inline now
    mu_.Unlock();
    int log_frames = -1;
    CheckpointResult result;
    {
      absl::MutexLock one_at_a_time(&checkpoint_mu_);
      result = Checkpoint(db_.get(), "checkpointer", &log_frames);
    }
    if (result == CheckpointResult::kNoOp) ReportNoOp("checkpointer");
    // A small WAL waits for the next round instead of costing a commit the
    // fsyncs.
    if (result == CheckpointResult::kPartial &&
        log_frames >= kCheckpointFrames) {
      finish_inline_ = true;
    }
    mu_.Lock();
  }
}

}  // namespace porthole::controller
