// JSON string literals for framemem's hand-written JSON (the snapshot report, framemem-replay's comparison):
// one escaping rule, so every writer hands a parser the same text for the same bytes.
#pragma once

#include <string>
#include <string_view>

#include "fm/config.hpp"

namespace fm {

// Appends `s` to `out` as a quoted JSON string: '"' and '\' escaped with a backslash, control characters
// (bytes below 0x20) as \u00XX, every other byte as it is (so UTF-8 text stays readable).
inline void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (const char c : s) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      out.append("\\u00");
      out += hex[byte >> 4];
      out += hex[byte & 0xF];
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace fm
