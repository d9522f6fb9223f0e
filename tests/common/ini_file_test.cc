#include "common/ini_file.h"

#include <gtest/gtest.h>

namespace porthole {
namespace {

TEST(IniFile, SectionsKeysAndComments_AreRead) {
  absl::StatusOr<IniFile> ini = IniFile::Parse(
      "top = 1\n# comment\n; other comment\n[vnc]\n novncproxy_port = 6080 \n"
      "[api]\nlisten=0.0.0.0:8774\nlisten = 127.0.0.1:1\n");
  ASSERT_TRUE(ini.ok()) << ini.status();
  EXPECT_EQ(ini->Get("DEFAULT", "top"), "1");
  EXPECT_EQ(ini->Get("vnc", "novncproxy_port"), "6080");
  EXPECT_EQ(ini->Get("api", "listen"), "127.0.0.1:1");  // last one wins
  EXPECT_EQ(ini->Get("api", "missing"), std::nullopt);
  EXPECT_EQ(ini->Get("nope", "x"), std::nullopt);
  EXPECT_TRUE(ini->HasSection("vnc"));
  EXPECT_EQ(ini->keys().size(), 4u);
}

TEST(IniFile, ValueMayContainEqualsSign) {
  absl::StatusOr<IniFile> ini = IniFile::Parse("[a]\nurl = http://x/?a=b\n");
  ASSERT_TRUE(ini.ok());
  EXPECT_EQ(ini->Get("a", "url"), "http://x/?a=b");
}

TEST(IniFile, MalformedLines_NameTheLine) {
  EXPECT_EQ(IniFile::Parse("[a]\nno equals sign\n").status().message(),
            "line 2: expected 'key = value'");
  EXPECT_EQ(IniFile::Parse("[unclosed\n").status().message(),
            "line 1: expected '[section]'");
  EXPECT_EQ(IniFile::Parse("[a]\n = value\n").status().message(),
            "line 2: empty key");
  EXPECT_FALSE(IniFile::Parse(std::string("a = b\0c\n", 8)).ok());
}

TEST(IniFile, OversizedInput_IsRefused) {
  std::string big(IniFile::kMaxBytes + 1, '#');
  EXPECT_FALSE(IniFile::Parse(big).ok());
}

TEST(IniFile, MissingFile_NamesThePath) {
  absl::StatusOr<IniFile> ini = IniFile::Load("/nonexistent/porthole.conf");
  ASSERT_FALSE(ini.ok());
  EXPECT_EQ(ini.status().message(), "/nonexistent/porthole.conf: cannot open");
}

}  // namespace
}  // namespace porthole
