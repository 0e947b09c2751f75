// The JSON form of fm::Snapshot: a tiny writer that handles commas, escaping and number formatting, and
// one walk over the field lists of fm/system/snapshot_fields.hpp (keys are the members' names).
#include "fm/system/snapshot_json.hpp"

#include <charconv>
#include <cstdio>
#include <optional>
#include <span>
#include <string_view>

#include "fm/core/json_string.hpp"
#include "fm/system/snapshot_fields.hpp"

namespace fm {

namespace {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

  JsonWriter& key(std::string_view k) {
    separate();
    write_string(k);
    out_ += ':';
    after_key_ = true;
    return *this;
  }
  void value(std::string_view s) {
    separate();
    write_string(s);
  }
  void value(bool b) {
    separate();
    out_ += b ? "true" : "false";
  }
  void value(double d) {
    separate();
    char text[32];
    const auto r = std::to_chars(text, text + sizeof text, d);
    out_.append(text, r.ptr);
  }
  template <class Int>
    requires std::is_integral_v<Int>
  void value(Int i) {
    separate();
    char text[24];
    const auto r = std::to_chars(text, text + sizeof text, i);
    out_.append(text, r.ptr);
  }
  void null() {
    separate();
    out_ += "null";
  }
  void hex(std::uint64_t bits) {
    char text[24];
    std::snprintf(text, sizeof text, "0x%016llx", static_cast<unsigned long long>(bits));
    value(std::string_view(text));
  }

 private:
  void open(char c) {
    separate();
    out_ += c;
    first_ = true;
  }
  void close(char c) {
    out_ += c;
    first_ = false;
  }
  // A comma before every element but the first of its container; nothing between a key and its value.
  void separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_) out_ += ',';
    first_ = false;
  }
  void write_string(std::string_view s) { append_json_string(out_, s); }

  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
};

template <class Row>
void write_object(JsonWriter& w, const Row& row);

template <class T>
void write_value(JsonWriter& w, const FieldInfo& field, const T& v) {
  if constexpr (std::same_as<T, NameRef>) {
    w.value(v.view());
  } else if constexpr (std::same_as<T, std::optional<std::uint64_t>>) {
    if (v) {
      w.value(*v);
    } else {
      w.null();
    }
  } else if constexpr (std::is_arithmetic_v<T>) {
    if (field.unit == FieldUnit::bits) {
      w.hex(v);  // JSON numbers are exact only to 2^53
    } else {
      w.value(v);
    }
  } else if constexpr (requires { v.begin(); }) {
    w.begin_array();
    for (const auto& row : v) write_object(w, row);
    w.end_array();
  } else {
    write_object(w, v);
  }
}

template <class Row>
void write_object(JsonWriter& w, const Row& row) {
  w.begin_object();
  for_each_field(row, [&](const FieldInfo& field, const auto& v) {
    w.key(field.key);
    write_value(w, field, v);
  });
  w.end_object();
}

}  // namespace

void write_json(std::string& out, const Snapshot& s) {
  JsonWriter w(out);
  write_object(w, s);
}

std::string to_json(const Snapshot& s) {
  std::string out;
  write_json(out, s);
  return out;
}

}  // namespace fm
