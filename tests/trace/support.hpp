// Helpers of the trace tests: small traces written through fm::trace::Writer, read back or damaged.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/trace_model.hpp"

namespace fm::test {

// Writes the events `record(writer, system)` records into `file` (one system, "particles") and returns the
// file's bytes.
template <class Record>
std::vector<std::uint8_t> write_trace(const model::ScratchFile& file, Record&& record) {
  trace::Writer w(file.path());
  record(w, w.system("particles"));
  w.close();
  return file.bytes();
}

// The message of the bad_trace that reading `bytes` as `name` throws; empty when it is accepted.
inline std::string rejection(const std::vector<std::uint8_t>& bytes, const std::string& name = "bad.fmt") {
  try {
    (void)trace::parse(bytes, name);
  } catch (const trace::bad_trace& e) {
    return e.what();
  }
  return {};
}

}  // namespace fm::test
