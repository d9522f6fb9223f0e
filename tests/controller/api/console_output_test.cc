// POST /servers/{id}/action {"os-getConsoleOutput": {"length": N}}: Nova's
// schema, length rules, statuses and output cleaning, through ApiHandler on
// the StaticServerDirectory (which tails with the agent contract's rules).

#include "controller/api/console_output.h"

#include <string>

#include "api_test_support.h"
#include "gtest/gtest.h"

namespace porthole::controller::testing {
namespace {

constexpr char kLog[] = "one\ntwo\nthree\nfour\n";

class ConsoleOutputTest : public ::testing::Test {
 protected:
  ConsoleOutputTest() { api_.directory_.SetConsoleLog(kServerId, kLog); }

  HttpResponse Post(const std::string& body,
                    const std::optional<std::string>& version = "2.1",
                    const std::string& server = kServerId,
                    const std::string& token = "") {
    return api_.Call("POST", "/v2.1/servers/" + server + "/action",
                     token.empty() ? api_.member_ : token, version, body);
  }
  // The output for a `length` spelled as JSON ("" for no length key).
  HttpResponse WithLength(const std::string& length) {
    return Post(length.empty()
                    ? R"({"os-getConsoleOutput": {}})"
                    : R"({"os-getConsoleOutput": {"length": )" + length + "}}");
  }
  static std::string Output(const HttpResponse& response) {
    nlohmann::ordered_json body = BodyOf(response);
    if (!body.is_object() || body.size() != 1 || !body.contains("output")) {
      return "<no output>";
    }
    return body["output"].get<std::string>();
  }

  ApiFixture api_{AuthKind::kTokensFile};
};

TEST_F(ConsoleOutputTest, NoLength_ReturnsWholeLog) {
  HttpResponse response = WithLength("");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(Output(response), kLog);
}

TEST_F(ConsoleOutputTest, NullLength_ReturnsWholeLog) {
  EXPECT_EQ(Output(WithLength("null")), kLog);
}

TEST_F(ConsoleOutputTest, MinusOne_ReturnsWholeLog_NotNovasDroppedFirstLine) {
  EXPECT_EQ(Output(WithLength("-1")), kLog);
  EXPECT_EQ(Output(WithLength("\"-1\"")), kLog);
}

TEST_F(ConsoleOutputTest, Zero_ReturnsEmptyOutput) {
  HttpResponse response = WithLength("0");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(Output(response), "");
}

TEST_F(ConsoleOutputTest, IntegerLength_ReturnsLastPiecesAsNovasSplit) {
  // The log ends in '\n': its last piece is empty, as in Nova's _tail_log.
  EXPECT_EQ(Output(WithLength("1")), "");
  EXPECT_EQ(Output(WithLength("2")), "four\n");
  EXPECT_EQ(Output(WithLength("3")), "three\nfour\n");
  EXPECT_EQ(Output(WithLength("99")), kLog);
  EXPECT_EQ(Output(WithLength("18446744073709551615")), kLog);
}

TEST_F(ConsoleOutputTest, StringLength_IsParsedAsPythonsInt) {
  EXPECT_EQ(Output(WithLength("\"2\"")), "four\n");
  EXPECT_EQ(Output(WithLength("\"0\"")), "");
  // re.search's '$' matches before a final newline; int() accepts it.
  EXPECT_EQ(Output(WithLength("\"2\\n\"")), "four\n");
  EXPECT_EQ(Output(WithLength("\"99999999999999999999999\"")), kLog);
}

TEST_F(ConsoleOutputTest, BelowMinusOne_Returns400Minimum) {
  HttpResponse response = WithLength("-2");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(FaultMessage(response),
            "Invalid input for field/attribute length. Value: -2. -2 is less "
            "than the minimum of -1");
  HttpResponse text = WithLength("\"-5\"");
  EXPECT_EQ(text.status, 400);
  EXPECT_EQ(FaultMessage(text),
            "Invalid input for field/attribute length. Value: -5. '-5' is "
            "less than the minimum of -1");
}

TEST_F(ConsoleOutputTest, NonNumericString_Returns400Pattern) {
  HttpResponse response = WithLength("\"ten\"");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(FaultMessage(response),
            "Invalid input for field/attribute length. Value: ten. 'ten' does "
            "not match '^-?[0-9]+$'");
  for (const char* bad : {"\"\"", "\" 5\"", "\"5 \"", "\"1.5\"", "\"+3\"",
                          "\"-\"", "\"5\\n\\n\""}) {
    EXPECT_EQ(WithLength(bad).status, 400) << bad;
  }
}

TEST_F(ConsoleOutputTest, WrongType_Returns400Type) {
  HttpResponse response = WithLength("true");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(FaultMessage(response),
            "Invalid input for field/attribute length. Value: True. True is "
            "not of type 'integer', 'string', 'null'");
  // Draft 4: a float is no integer, even 2.0.
  EXPECT_EQ(WithLength("2.0").status, 400);
  EXPECT_EQ(WithLength("[]").status, 400);
  EXPECT_EQ(WithLength("{}").status, 400);
}

TEST_F(ConsoleOutputTest, ExtraKeyOrNonObject_Returns400) {
  HttpResponse extra =
      Post(R"({"os-getConsoleOutput": {"length": 1, "lines": 2}})");
  EXPECT_EQ(extra.status, 400);
  EXPECT_EQ(FaultMessage(extra),
            "Invalid input for field/attribute os-getConsoleOutput. Value: "
            "{'length': 1, 'lines': 2}. Additional properties are not allowed "
            "('lines' was unexpected)");
  HttpResponse scalar = Post(R"({"os-getConsoleOutput": 5})");
  EXPECT_EQ(scalar.status, 400);
  EXPECT_EQ(FaultMessage(scalar),
            "Invalid input for field/attribute os-getConsoleOutput. Value: 5. "
            "5 is not of type 'object'");
  EXPECT_EQ(Post(R"({"os-getConsoleOutput": null})").status, 400);
}

TEST_F(ConsoleOutputTest, SameSchemaAtEveryMicroversion) {
  for (const char* version : {"2.1", "2.5", "2.6", "2.99", "2.104"}) {
    EXPECT_EQ(
        Output(Post(R"({"os-getConsoleOutput": {"length": 2}})", version)),
        "four\n")
        << version;
    EXPECT_EQ(
        Post(R"({"os-getConsoleOutput": {"length": -3}})", version).status, 400)
        << version;
  }
  EXPECT_EQ(Output(Post(R"({"os-getConsoleOutput": {}})", std::nullopt)), kLog);
  // The legacy /v2 mount runs the same action at 2.1.
  HttpResponse legacy =
      api_.Call("POST", std::string("/v2/servers/") + kServerId + "/action",
                api_.member_, std::nullopt, R"({"os-getConsoleOutput": {}})");
  EXPECT_EQ(Output(legacy), kLog);
}

TEST_F(ConsoleOutputTest, SchemaCheckedBeforeLookup) {
  HttpResponse response =
      Post(R"({"os-getConsoleOutput": {"length": "x"}})", "2.1", kUnknownId);
  EXPECT_EQ(response.status, 400);
}

TEST_F(ConsoleOutputTest, UnknownOrForeignServer_Returns404) {
  HttpResponse unknown =
      Post(R"({"os-getConsoleOutput": {}})", "2.1", kUnknownId);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(FaultMessage(unknown),
            std::string("Instance ") + kUnknownId + " could not be found.");
  EXPECT_EQ(
      Post(R"({"os-getConsoleOutput": {}})", "2.1", kOtherProjectId).status,
      404);
}

TEST_F(ConsoleOutputTest, ReaderOnly_Returns403NamingTheRule) {
  HttpResponse response =
      Post(R"({"os-getConsoleOutput": {}})", "2.1", kServerId, api_.reader_);
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(FaultMessage(response),
            "Policy doesn't allow os_compute_api:os-console-output to be "
            "performed.");
}

TEST_F(ConsoleOutputTest, AdminReadsAnotherProjectsLog) {
  api_.directory_.SetConsoleLog(kOtherProjectId, "theirs\n");
  HttpResponse response = Post(R"({"os-getConsoleOutput": {}})", "2.1",
                               kOtherProjectId, api_.admin_);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(Output(response), "theirs\n");
}

TEST_F(ConsoleOutputTest, NoConsoleLog_Returns404ConsoleNotAvailable) {
  HttpResponse response =
      Post(R"({"os-getConsoleOutput": {}})", "2.1", kNoGraphicsId);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(FaultName(response), "itemNotFound");
  EXPECT_EQ(FaultMessage(response), "Guest does not have a console available.");
}

TEST_F(ConsoleOutputTest, StoppedServer_StillReturnsItsLog) {
  api_.directory_.SetConsoleLog(kStoppedId, "reboot: Power down\n");
  HttpResponse response =
      Post(R"({"os-getConsoleOutput": {}})", "2.1", kStoppedId);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(Output(response), "reboot: Power down\n");
}

TEST_F(ConsoleOutputTest, AgentFaults_MapToNovaStatuses) {
  const std::string body = R"({"os-getConsoleOutput": {}})";
  api_.directory_.FailNextTailConsoleLog(absl::NotFoundError("gone"));
  HttpResponse gone = Post(body);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(FaultMessage(gone),
            std::string("Instance ") + kServerId + " could not be found.");
  api_.directory_.FailNextTailConsoleLog(absl::DeadlineExceededError("slow"));
  EXPECT_EQ(Post(body).status, 503);
  api_.directory_.FailNextTailConsoleLog(
      absl::PermissionDeniedError("cannot open /var/lib/secret"));
  HttpResponse denied = Post(body);
  EXPECT_EQ(denied.status, 500);
  EXPECT_EQ(denied.body.find("/var/lib/secret"), std::string::npos);
  EXPECT_EQ(Post(body, "2.1", kDisconnectedId).status, 503);
}

TEST_F(ConsoleOutputTest, LogLargerThanTheCap_ReturnsItsNewestBytes) {
  std::string big(150 * 1024, 'x');
  big += "\nlast line\n";
  api_.directory_.SetConsoleLog(kServerId, big);
  const std::string output = Output(WithLength(""));
  EXPECT_EQ(output.size(), 100u * 1024);
  EXPECT_EQ(output.substr(output.size() - 11), "\nlast line\n");
}

TEST(CleanConsoleOutputTest, RemovesControlBytesAndReplacesNonAscii) {
  EXPECT_EQ(CleanConsoleOutput("a\tb\nc\r\n"), "a\tb\nc\n");
  EXPECT_EQ(
      CleanConsoleOutput(std::string("\x00\x01\x08\x0b\x0c\x1b[0m\x1f", 10)),
      "[0m");
  EXPECT_EQ(CleanConsoleOutput("\x7f~ "), "\x7f~ ");
  // UTF-8 for "é" is two bytes above 0x7F: two replacement characters, as
  // Nova's decode('ascii', 'replace').
  EXPECT_EQ(CleanConsoleOutput("caf\xC3\xA9"), "caf\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
}  // namespace porthole::controller::testing
