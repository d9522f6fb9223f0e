#include "controller/api/microversion.h"

#include "gtest/gtest.h"

namespace porthole::controller {
namespace {

using Outcome = VersionNegotiation::Outcome;

TEST(ParseApiVersionTest, AcceptsNovasFormat) {
  EXPECT_EQ(ParseApiVersion("2.1"), (ApiVersion{2, 1}));
  EXPECT_EQ(ParseApiVersion("2.104"), (ApiVersion{2, 104}));
  EXPECT_EQ(ParseApiVersion("3.0"), (ApiVersion{3, 0}));
  EXPECT_EQ(ParseApiVersion("10.20"), (ApiVersion{10, 20}));
}

TEST(ParseApiVersionTest, RejectsEverythingElse) {
  for (const char* bad :
       {"", "2", "2.", ".1", "2.01", "02.1", "0.1", "v2.6", "2.6.1", " 2.6",
        "2.6 ", "2,6", "+2.6", "2.-1", "latest", "Latest", "2.1a"}) {
    EXPECT_FALSE(ParseApiVersion(bad).has_value()) << bad;
  }
}

TEST(ParseApiVersionTest, HugeNumbersSaturateInsteadOfOverflowing) {
  std::optional<ApiVersion> huge = ParseApiVersion("2.99999999999999999999");
  ASSERT_TRUE(huge.has_value());
  EXPECT_GT(*huge, kMaxApiVersion);
}

TEST(ApiVersionTest, OrdersByMajorThenMinor) {
  EXPECT_LT((ApiVersion{2, 9}), (ApiVersion{2, 10}));
  EXPECT_LT((ApiVersion{2, 104}), (ApiVersion{3, 0}));
  EXPECT_EQ((ApiVersion{2, 31}).ToString(), "2.31");
}

TEST(RequestedApiVersionTest, NoHeaders_AskForNothing) {
  EXPECT_FALSE(RequestedApiVersion({}).has_value());
  EXPECT_FALSE(
      RequestedApiVersion({{"Accept", "application/json"}}).has_value());
}

TEST(RequestedApiVersionTest, StandardHeader_LastComputeEntryWins) {
  EXPECT_EQ(RequestedApiVersion({{"OpenStack-API-Version",
                                  "compute 2.6, volume 3.1, compute 2.8"}}),
            "2.8");
  EXPECT_EQ(RequestedApiVersion({{"openstack-api-version", "COMPUTE  2.7 "}}),
            "2.7");
  // Several header lines fold into one list.
  EXPECT_EQ(RequestedApiVersion({{"OpenStack-API-Version", "compute 2.6"},
                                 {"OpenStack-API-Version", "compute 2.9"}}),
            "2.9");
}

TEST(RequestedApiVersionTest, LegacyHeader_LastCommaValue) {
  EXPECT_EQ(RequestedApiVersion({{"X-OpenStack-Nova-API-Version", "2.3, 2.5"}}),
            "2.5");
}

TEST(RequestedApiVersionTest, StandardWinsOverLegacy) {
  EXPECT_EQ(RequestedApiVersion({{"X-OpenStack-Nova-API-Version", "2.3"},
                                 {"OpenStack-API-Version", "compute 2.40"}}),
            "2.40");
}

TEST(RequestedApiVersionTest, StandardWithoutComputeFallsBackToLegacy) {
  EXPECT_EQ(RequestedApiVersion({{"OpenStack-API-Version", "volume 3.0"},
                                 {"X-OpenStack-Nova-API-Version", "2.3"}}),
            "2.3");
  EXPECT_EQ(RequestedApiVersion({{"OpenStack-API-Version", "compute"},
                                 {"X-OpenStack-Nova-API-Version", "2.4"}}),
            "2.4");
  EXPECT_FALSE(RequestedApiVersion({{"OpenStack-API-Version", "volume 3.0"}})
                   .has_value());
}

TEST(NegotiateApiVersionTest, NoHeader_Is2_1) {
  VersionNegotiation result = NegotiateApiVersion({}, kMaxApiVersion);
  EXPECT_EQ(result.outcome, Outcome::kOk);
  EXPECT_EQ(result.version, (ApiVersion{2, 1}));
  EXPECT_EQ(result.echo, "2.1");
}

TEST(NegotiateApiVersionTest, Latest_IsTheMaximum) {
  VersionNegotiation result = NegotiateApiVersion(
      {{"OpenStack-API-Version", "compute latest"}}, ApiVersion{2, 50});
  EXPECT_EQ(result.outcome, Outcome::kOk);
  EXPECT_EQ(result.echo, "2.50");
}

TEST(NegotiateApiVersionTest, BoundariesAreInclusive) {
  for (const char* ok : {"2.1", "2.104"}) {
    EXPECT_EQ(NegotiateApiVersion({{"X-OpenStack-Nova-API-Version", ok}},
                                  kMaxApiVersion)
                  .outcome,
              Outcome::kOk)
        << ok;
  }
}

TEST(NegotiateApiVersionTest, OutOfRange_IsNotAcceptableAndEchoed) {
  VersionNegotiation result = NegotiateApiVersion(
      {{"OpenStack-API-Version", "compute 2.105"}}, kMaxApiVersion);
  EXPECT_EQ(result.outcome, Outcome::kNotAcceptable);
  EXPECT_EQ(result.echo, "2.105");
  EXPECT_EQ(VersionNotSupportedMessage(result.requested, kMaxApiVersion),
            "Version 2.105 is not supported by the API. Minimum is 2.1 and "
            "maximum is 2.104.");
}

TEST(NegotiateApiVersionTest, BadFormat_HasNoEcho) {
  VersionNegotiation result = NegotiateApiVersion(
      {{"OpenStack-API-Version", "compute 2.01"}}, kMaxApiVersion);
  EXPECT_EQ(result.outcome, Outcome::kBadFormat);
  EXPECT_TRUE(result.echo.empty());
  EXPECT_EQ(VersionFormatMessage(result.requested),
            "API Version String 2.01 is of invalid format. Must be of format "
            "MajorNum.MinorNum.");
}

TEST(AddVersionHeadersTest, AddsFourHeadersWithTwoVaryLines) {
  HttpResponse response;
  AddVersionHeaders("2.6", response);
  EXPECT_EQ(response.headers,
            (HttpHeaders{{"OpenStack-API-Version", "compute 2.6"},
                         {"X-OpenStack-Nova-API-Version", "2.6"},
                         {"Vary", "OpenStack-API-Version"},
                         {"Vary", "X-OpenStack-Nova-API-Version"}}));
}

}  // namespace
}  // namespace porthole::controller
