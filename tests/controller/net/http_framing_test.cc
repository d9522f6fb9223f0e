#include "controller/net/http_framing.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace porthole::controller::net {
namespace {

RequestFraming Framing(std::vector<std::string_view> te,
                       std::vector<std::string_view> cl = {},
                       unsigned version = 11) {
  RequestFraming f;
  f.version = version;
  f.transfer_encoding = std::move(te);
  f.content_length = std::move(cl);
  return f;
}

absl::StatusCode Code(const RequestFraming& f,
                      BodyRule rule = BodyRule::kMayHaveBody) {
  return CheckRequestFraming(f, rule).code();
}

TEST(CheckRequestFraming, UnambiguousFramings_AreAccepted) {
  EXPECT_EQ(Code(Framing({})), absl::StatusCode::kOk);
  EXPECT_EQ(Code(Framing({}, {"12"})), absl::StatusCode::kOk);
  EXPECT_EQ(Code(Framing({"chunked"})), absl::StatusCode::kOk);
  EXPECT_EQ(Code(Framing({"Chunked"})), absl::StatusCode::kOk);
  EXPECT_EQ(Code(Framing({" chunked\t"})), absl::StatusCode::kOk);
  EXPECT_EQ(Code(Framing({", chunked,"})), absl::StatusCode::kOk);
}

// The framings of issue 16: each was read as "no body", and the body ran as
// the next request.
TEST(CheckRequestFraming, FinalCodingNotChunked_Is400) {
  for (std::vector<std::string_view> te :
       std::vector<std::vector<std::string_view>>{{"xchunked"},
                                                  {"chunked, identity"},
                                                  {"identity"},
                                                  {"chunkedx"},
                                                  {"chunked;x=1"},
                                                  {"chunked", "identity"},
                                                  {"gzip"},
                                                  {""},
                                                  {" , "}}) {
    const absl::Status s =
        CheckRequestFraming(Framing(te), BodyRule::kMayHaveBody);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << te[0];
    EXPECT_EQ(FramingErrorStatus(s), 400);
  }
}

TEST(CheckRequestFraming, TransferEncodingWithContentLength_Is400) {
  EXPECT_EQ(Code(Framing({"chunked"}, {"5"})),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(Framing({"xchunked"}, {"5"})),
            absl::StatusCode::kInvalidArgument);
}

TEST(CheckRequestFraming, TransferEncodingInHttp10_Is400) {
  EXPECT_EQ(Code(Framing({"chunked"}, {}, 10)),
            absl::StatusCode::kInvalidArgument);
}

TEST(CheckRequestFraming, ChunkedTwice_Is400) {
  EXPECT_EQ(Code(Framing({"chunked, chunked"})),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(Framing({"chunked", "chunked"})),
            absl::StatusCode::kInvalidArgument);
}

TEST(CheckRequestFraming, OtherCodingBeforeChunked_Is501) {
  const absl::Status s =
      CheckRequestFraming(Framing({"gzip, chunked"}), BodyRule::kMayHaveBody);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(FramingErrorStatus(s), 501);
}

TEST(CheckRequestFraming, NoBodyRule_RefusesAnyBodyOrTransferEncoding) {
  EXPECT_EQ(Code(Framing({}), BodyRule::kNoBody), absl::StatusCode::kOk);
  EXPECT_EQ(Code(Framing({}, {"0"}), BodyRule::kNoBody), absl::StatusCode::kOk);
  for (const RequestFraming& f :
       {Framing({"chunked"}), Framing({"xchunked"}), Framing({}, {"1"}),
        Framing({}, {"0, 5"}), Framing({"identity"}, {"0"})}) {
    EXPECT_EQ(Code(f, BodyRule::kNoBody), absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace porthole::controller::net
