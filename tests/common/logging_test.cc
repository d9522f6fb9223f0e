// The one logger, read back from this process's stderr.
#include "common/logging.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/support/stderr_capture.h"

namespace porthole {
namespace {

using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::MatchesRegex;

constexpr char kTimestamp[] =
    "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z";

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  EXPECT_EQ(lines.back(), "") << "the last line is not terminated";
  lines.pop_back();
  return lines;
}

class LoggingTest : public ::testing::Test {
 protected:
  // The level is process-wide; every test starts from the default.
  void SetUp() override { SetMinLogLevel(LogLevel::kInfo); }
  void TearDown() override { SetMinLogLevel(LogLevel::kInfo); }
};

TEST_F(LoggingTest, Log_OneTimestampedLineWithLevelAndComponent) {
  testing::StderrCapture capture;
  LogInfo("agent", "libvirt connected ", LogField("uri", "qemu:///system"));
  EXPECT_THAT(capture.Read(), MatchesRegex(std::string(kTimestamp) +
                                           " INFO agent: libvirt connected "
                                           "uri=qemu:///system\n"));
}

TEST_F(LoggingTest, Log_ControlCharacters_BecomeQuestionMarks) {
  testing::StderrCapture capture;
  // NUL, tab, CR, LF, an ANSI escape (ESC [) and DEL.
  constexpr char kHostile[] = "a\0b\tc\rd\ne\x1b[31mf\x7fg";
  const std::string message(kHostile, sizeof kHostile - 1);
  Log(LogLevel::kWarning, "agent", message);
  const std::vector<std::string> lines = Lines(capture.Read());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0],
              MatchesRegex(std::string(kTimestamp) + " WARNING agent: .*"));
  EXPECT_THAT(lines[0], EndsWith(" WARNING agent: a?b?c?d?e?[31mf?g"));
}

TEST_F(LoggingTest, Log_ForgedLineInAValue_StaysOnItsOwnLine) {
  testing::StderrCapture capture;
  LogWarning("libvirt", "skipping domain ",
             LogField("name",
                      "vm\n2026-11-23T11:40:00.123Z ERROR controller: "
                      "token leaked"));
  const std::vector<std::string> lines = Lines(capture.Read());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], MatchesRegex(std::string(kTimestamp) +
                                     " WARNING libvirt: skipping domain .*"));
  EXPECT_NE(lines[0].find("vm?2026-11-23T11:40:00.123Z ERROR"),
            std::string::npos)
      << lines[0];
}

TEST_F(LoggingTest, Log_Utf8_PassesThroughUnchanged) {
  testing::StderrCapture capture;
  LogInfo("agent", "domain vm-\xc3\xa9t\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac");
  EXPECT_THAT(Lines(capture.Read()),
              ElementsAre(EndsWith(" INFO agent: domain vm-\xc3\xa9t\xc3\xa9 "
                                   "\xe6\x97\xa5\xe6\x9c\xac")));
}

TEST_F(LoggingTest, Log_InvalidUtf8_BecomesQuestionMarks) {
  testing::StderrCapture capture;
  // A request path with a lone continuation byte, an overlong '/', a
  // truncated sequence and a surrogate, between valid characters.
  LogInfo("api", "path=/v2.1/\x80x\xc0\xaf\xc3\xa9\xed\xa0\x80\xe2\x82");
  EXPECT_THAT(Lines(capture.Read()),
              ElementsAre(EndsWith(" INFO api: path=/v2.1/?x??\xc3\xa9?????")));
}

TEST_F(LoggingTest, MinLogLevel_DefaultInfo_DropsDebug) {
  testing::StderrCapture capture;
  LogDebug("agent", "debug line");
  LogInfo("agent", "info line");
  EXPECT_THAT(Lines(capture.Read()),
              ElementsAre(MatchesRegex(".* INFO agent: info line")));
}

TEST_F(LoggingTest, SetMinLogLevel_DropsLinesBelowIt) {
  testing::StderrCapture capture;
  SetMinLogLevel(LogLevel::kWarning);
  LogDebug("agent", "debug line");
  LogInfo("agent", "info line");
  LogWarning("agent", "warning line");
  LogError("agent", "error line");
  SetMinLogLevel(LogLevel::kDebug);
  LogDebug("agent", "debug again");
  EXPECT_THAT(Lines(capture.Read()),
              ElementsAre(MatchesRegex(".* WARNING agent: warning line"),
                          MatchesRegex(".* ERROR agent: error line"),
                          MatchesRegex(".* DEBUG agent: debug again")));
}

TEST_F(LoggingTest, Log_FromManyThreads_LinesNeverInterleave) {
  constexpr int kThreads = 8;
  constexpr int kLinesEach = 200;
  testing::StderrCapture capture;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      // Long enough that an interleaved write would show.
      const std::string body(300, static_cast<char>('a' + t));
      for (int i = 0; i < kLinesEach; ++i) LogInfo("agent", t, " ", body);
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::vector<std::string> lines = Lines(capture.Read());
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kLinesEach));
  for (const std::string& line : lines) {
    ASSERT_THAT(line, MatchesRegex(std::string(kTimestamp) +
                                   " INFO agent: [0-7] [a-h]+"));
    const int t = line[line.find(": ") + 2] - '0';
    EXPECT_THAT(line,
                EndsWith(absl::StrCat(
                    t, " ", std::string(300, static_cast<char>('a' + t)))));
  }
}

TEST(ParseLogLevel, KnownNames) {
  EXPECT_EQ(ParseLogLevel("debug").value(), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("info").value(), LogLevel::kInfo);
  EXPECT_EQ(ParseLogLevel("warning").value(), LogLevel::kWarning);
  EXPECT_EQ(ParseLogLevel("error").value(), LogLevel::kError);
}

TEST(ParseLogLevel, UnknownName_InvalidArgument) {
  for (std::string_view name : {"", "verbose", "warn", "info "}) {
    EXPECT_EQ(ParseLogLevel(name).status().code(),
              absl::StatusCode::kInvalidArgument)
        << name;
  }
}

TEST(LogField, PlainValue_Unquoted) {
  EXPECT_EQ(LogField("uri", "qemu:///system"), "uri=qemu:///system");
}

TEST(LogField, ValueWithSpaces_Quoted) {
  EXPECT_EQ(LogField("error", "connection refused"),
            "error=\"connection refused\"");
}

TEST(LogField, EmptyValue_Quoted) {
  EXPECT_EQ(LogField("name", ""), "name=\"\"");
}

// A value cannot end its quotes early and pose as another field.
TEST(LogField, QuotesAndBackslashes_Escaped) {
  EXPECT_EQ(LogField("name", "vm\" admin=\"yes"),
            "name=\"vm\\\" admin=\\\"yes\"");
  EXPECT_EQ(LogField("name", "a\\ b"), "name=\"a\\\\ b\"");
  EXPECT_EQ(LogField("name", "a=b"), "name=\"a=b\"");
}

}  // namespace
}  // namespace porthole
