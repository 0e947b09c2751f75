// Capture in the demo: --record PATH and the overlay's Record button record the demo's memory systems into
// a trace (docs/trace.md) for framemem-replay; --comparison PATH shows a replay's --json result.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "fm/overlay/record_panel.hpp"

namespace fm {
class MemorySystem;
namespace trace {
class Writer;
}
}  // namespace fm

namespace demo {

class DemoRecording {
 public:
  DemoRecording();
  ~DemoRecording();
  DemoRecording(const DemoRecording&) = delete;
  DemoRecording& operator=(const DemoRecording&) = delete;

  // Records `ms` into `path` from the next frame on. Throws fm::error naming the file when it cannot be
  // created; nothing changes then.
  void start(fm::MemorySystem& ms, const std::string& path);
  // Stops and completes the file; throws fm::error when writing it failed.
  void stop(fm::MemorySystem& ms);
  [[nodiscard]] bool recording() const noexcept { return writer_ != nullptr; }

  // The Record panel: a press starts (to the last path, or framemem-demo.fmt) or stops; errors are shown.
  void draw_panel(fm::MemorySystem& ms);

 private:
  std::unique_ptr<fm::trace::Writer> writer_;
  std::string path_;
  std::string error_;
  std::uint64_t final_events_ = 0;  // of the last finished recording
  std::uint64_t final_bytes_ = 0;
};

// Reads framemem-replay --against's JSON (--json PATH); a file that cannot be read or parsed gives a
// comparison whose error says so.
[[nodiscard]] fm::overlay::Comparison load_comparison(const std::string& path);

}  // namespace demo
