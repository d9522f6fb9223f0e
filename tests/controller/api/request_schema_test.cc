#include "controller/api/request_schema.h"

#include "controller/api/py_repr.h"
#include "gtest/gtest.h"

namespace porthole::controller {
namespace {

const std::vector<EnumProperty> kProperties = {
    {"protocol", {"vnc", "spice"}}, {"type", {"novnc", "spice-html5"}}};

std::optional<std::string> Check(const char* json) {
  return ValidateConsoleRequest(Json::parse(json), "remote_console",
                                kProperties);
}

TEST(ValidateConsoleRequestTest, ValidBody_Passes) {
  EXPECT_FALSE(
      Check(R"({"remote_console": {"protocol": "vnc", "type": "novnc"}})")
          .has_value());
}

TEST(ValidateConsoleRequestTest, RootErrors_AreBareMessages) {
  EXPECT_EQ(Check("null"), "None is not of type 'object'");
  EXPECT_EQ(Check("[1]"), "[1] is not of type 'object'");
  EXPECT_EQ(Check("{}"), "'remote_console' is a required property");
  EXPECT_EQ(Check(R"({"remote_console": {"protocol": "vnc", "type": "novnc"},
                      "a": 1, "b": 2})"),
            "Additional properties are not allowed ('a', 'b' were unexpected)");
}

TEST(ValidateConsoleRequestTest, FieldErrors_NameTheField) {
  EXPECT_EQ(Check(R"({"remote_console": "vnc"})"),
            "Invalid input for field/attribute remote_console. Value: vnc. "
            "'vnc' is not of type 'object'");
  EXPECT_EQ(Check(R"({"remote_console": {"protocol": "x", "type": "y"}})"),
            "Invalid input for field/attribute protocol. Value: x. 'x' is not "
            "one of ['vnc', 'spice']");
  EXPECT_EQ(Check(R"({"remote_console": {"protocol": "vnc", "type": null}})"),
            "Invalid input for field/attribute type. Value: None. None is not "
            "of type 'string'");
  EXPECT_EQ(Check(R"({"remote_console": {"protocol": "vnc"}})"),
            "Invalid input for field/attribute remote_console. Value: "
            "{'protocol': 'vnc'}. 'type' is a required property");
}

TEST(ValidateConsoleRequestTest, InnerErrorsComeBeforeRootExtras) {
  // jsonschema walks `properties` before `additionalProperties`.
  EXPECT_EQ(Check(R"({"x": 1, "remote_console": {"protocol": "x"}})"),
            "Invalid input for field/attribute protocol. Value: x. 'x' is not "
            "one of ['vnc', 'spice']");
}

TEST(PyReprTest, SpellsValuesAsPython) {
  EXPECT_EQ(
      PyRepr(Json::parse(R"({"a": [true, false, null, 1, 1.5, "it's"]})")),
      R"({'a': [True, False, None, 1, 1.5, "it's"]})");
  EXPECT_EQ(PyRepr(Json("tab\there")), R"('tab\there')");
  EXPECT_EQ(PyRepr(Json(std::string("nul\0x", 5))), R"('nul\x00x')");
  EXPECT_EQ(PyStr(Json("bare")), "bare");
}

}  // namespace
}  // namespace porthole::controller
