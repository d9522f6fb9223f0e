#include "common/option_table.h"

#include <gtest/gtest.h>

#include "tests/support/child_process.h"

namespace porthole {
namespace {

struct Settings {
  std::string uri;
  bool read_only = false;
};

OptionTable Table(Settings* s) {
  OptionTable t;
  t.Add({"libvirt", "connection_uri", "libvirt-uri", "qemu:///system", "uri",
         [s](const std::string& v) {
           s->uri = v;
           return absl::OkStatus();
         }});
  t.Add({"libvirt", "read_only", "", "true", "ro",
         [s](const std::string& v) -> absl::Status {
           absl::StatusOr<bool> b = ParseBool(v);
           if (!b.ok()) return b.status();
           s->read_only = *b;
           return absl::OkStatus();
         }});
  return t;
}

TEST(OptionTable, FlagsOverrideFileOverrideDefaults) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/a.conf";
  testing::WriteFile(
      path, "[libvirt]\nconnection_uri = test:///default\nread_only = no\n");
  Settings s;
  std::vector<std::string> rest;
  ASSERT_TRUE(Table(&s).Load({"--config", path}, "/nonexistent", &rest).ok());
  EXPECT_EQ(s.uri, "test:///default");
  EXPECT_FALSE(s.read_only);
  ASSERT_TRUE(
      Table(&s)
          .Load({"--config=" + path, "--libvirt-uri", "x:///", "--dump"},
                "/nonexistent", &rest)
          .ok());
  EXPECT_EQ(s.uri, "x:///");
  EXPECT_EQ(rest, std::vector<std::string>{"--dump"});
}

TEST(OptionTable, MissingDefaultFileIsFine_MissingNamedFileIsNot) {
  Settings s;
  std::vector<std::string> rest;
  EXPECT_TRUE(Table(&s).Load({}, "/nonexistent/x.conf", &rest).ok());
  EXPECT_EQ(s.uri, "qemu:///system");
  EXPECT_TRUE(s.read_only);
  absl::Status st = Table(&s).Load({"--config", "/nonexistent/y.conf"},
                                   "/nonexistent/x.conf", &rest);
  EXPECT_EQ(st.message(), "/nonexistent/y.conf: cannot open");
}

TEST(OptionTable, UnknownKeyAndBadValue_AreOneLineErrors) {
  testing::TempDir dir;
  Settings s;
  std::vector<std::string> rest;
  testing::WriteFile(dir.path() + "/u.conf", "[libvirt]\nconnection_url = x\n");
  EXPECT_EQ(
      Table(&s).Load({"--config", dir.path() + "/u.conf"}, "", &rest).message(),
      dir.path() + "/u.conf: unknown option [libvirt] connection_url");
  testing::WriteFile(dir.path() + "/b.conf", "[libvirt]\nread_only = maybe\n");
  EXPECT_EQ(
      Table(&s).Load({"--config", dir.path() + "/b.conf"}, "", &rest).message(),
      dir.path() +
          "/b.conf: [libvirt] read_only: expected true or false, got 'maybe'");
  EXPECT_EQ(Table(&s).Load({"--libvirt-uri"}, "/nonexistent", &rest).message(),
            "--libvirt-uri needs a value");
}

TEST(OptionTable, ReferenceListsEveryOption) {
  Settings s;
  std::string md = Table(&s).ReferenceMarkdown();
  EXPECT_NE(md.find("### [libvirt]"), std::string::npos);
  EXPECT_NE(
      md.find(
          "| `connection_uri` | `--libvirt-uri` | `qemu:///system` | uri |"),
      std::string::npos);
  EXPECT_NE(md.find("| `read_only` |  | `true` | ro |"), std::string::npos);
}

TEST(OptionTable, ValueParsers) {
  EXPECT_EQ(*ParseSeconds("2.5"), 2.5);
  EXPECT_FALSE(ParseSeconds("-1").ok());
  EXPECT_FALSE(ParseSeconds("1s").ok());
  EXPECT_FALSE(ParseSeconds("nan").ok());
  EXPECT_EQ(*ParseInteger("42", 0, 100), 42);
  EXPECT_FALSE(ParseInteger("101", 0, 100).ok());
  EXPECT_FALSE(ParseInteger("4x", 0, 100).ok());
}

}  // namespace
}  // namespace porthole
