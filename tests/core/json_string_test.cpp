// Specification of fm/core/json_string.hpp: what each byte becomes inside a JSON string literal.
#include "fm/core/json_string.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

namespace {

std::string quoted(std::string_view s) {
  std::string out;
  fm::append_json_string(out, s);
  return out;
}

}  // namespace

TEST_CASE("a JSON string is quoted and plain text stays as it is") {
  CHECK(quoted("") == R"("")");
  CHECK(quoted("frame/buffer 0") == R"("frame/buffer 0")");
}

TEST_CASE("quotes and backslashes in a JSON string are escaped with a backslash") {
  CHECK(quoted(R"(say "hi")") == R"("say \"hi\"")");
  CHECK(quoted(R"(C:\traces\a.fmt)") == R"("C:\\traces\\a.fmt")");
  CHECK(quoted(R"(\")") == R"("\\\"")");
}

TEST_CASE("control characters in a JSON string become \\u00XX, a NUL byte included") {
  CHECK(quoted("a\nb") == R"("a\u000ab")");
  CHECK(quoted("\t\r\x01\x1f") == R"("\u0009\u000d\u0001\u001f")");
  CHECK(quoted(std::string_view("x\0y", 3)) == R"("x\u0000y")");
  CHECK(quoted(" ") == R"(" ")");  // 0x20 is the first byte that needs no escape
}

TEST_CASE("DEL and bytes above 0x7f pass through a JSON string unchanged, UTF-8 or not") {
  CHECK(quoted("\x7f") == "\"\x7f\"");
  CHECK(quoted("caf\xc3\xa9 \xe2\x82\xac") == "\"caf\xc3\xa9 \xe2\x82\xac\"");
  CHECK(quoted("\xff\x80") == "\"\xff\x80\"");
}

TEST_CASE("a JSON string is appended after what the buffer already holds") {
  std::string out = R"({"name":)";
  fm::append_json_string(out, "pool");
  CHECK(out == R"({"name":"pool")");
}
