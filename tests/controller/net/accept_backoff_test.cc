#include "controller/net/accept_backoff.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace porthole::controller::net {
namespace {

TEST(AcceptBackoff, OutOfDescriptors_PausesDoublingUpToTheCap) {
  AcceptBackoff backoff;
  EXPECT_EQ(backoff.OnError(EMFILE), absl::Milliseconds(10));
  EXPECT_EQ(backoff.OnError(EMFILE), absl::Milliseconds(20));
  EXPECT_EQ(backoff.OnError(ENFILE), absl::Milliseconds(40));
  for (int i = 0; i < 20; ++i) backoff.OnError(EMFILE);
  EXPECT_EQ(backoff.OnError(EMFILE), AcceptBackoff::kMaxPause);
  EXPECT_EQ(backoff.failures(), 24u);
}

TEST(AcceptBackoff, EveryResourceError_Pauses) {
  for (int error : {EMFILE, ENFILE, ENOBUFS, ENOMEM}) {
    AcceptBackoff backoff;
    EXPECT_TRUE(AcceptBackoff::IsResourceExhaustion(error));
    EXPECT_GT(backoff.OnError(error), absl::ZeroDuration()) << error;
  }
}

TEST(AcceptBackoff, UnknownError_AlsoPausesRatherThanSpin) {
  AcceptBackoff backoff;
  EXPECT_GT(backoff.OnError(EINVAL), absl::ZeroDuration());
}

TEST(AcceptBackoff, ClientAbortedConnection_RetriesAtOnce) {
  AcceptBackoff backoff;
  for (int error : {ECONNABORTED, EPROTO, EPERM, EINTR}) {
    EXPECT_EQ(backoff.OnError(error), absl::ZeroDuration()) << error;
    EXPECT_FALSE(AcceptBackoff::IsResourceExhaustion(error));
  }
}

TEST(AcceptBackoff, Success_StartsOver) {
  AcceptBackoff backoff;
  backoff.OnError(EMFILE);
  backoff.OnError(EMFILE);
  backoff.OnSuccess();
  EXPECT_EQ(backoff.failures(), 0u);
  EXPECT_EQ(backoff.OnError(EMFILE), AcceptBackoff::kFirstPause);
}

}  // namespace
}  // namespace porthole::controller::net
