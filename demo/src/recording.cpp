// --record, the Record button and the comparison panel's data (recording.hpp).
#include "recording.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "fm/core/error.hpp"
#include "fm/system/memory_system.hpp"
#include "fm/trace/writer.hpp"

namespace demo {

DemoRecording::DemoRecording() = default;
DemoRecording::~DemoRecording() = default;  // an unfinished recording's writer closes its file

void DemoRecording::start(fm::MemorySystem& ms, const std::string& path) {
  auto writer = std::make_unique<fm::trace::Writer>(path);
  ms.record_to(*writer);
  writer_ = std::move(writer);
  path_ = path;
  error_.clear();
}

void DemoRecording::stop(fm::MemorySystem& ms) {
  if (!writer_) return;
  ms.stop_recording();
  const std::unique_ptr<fm::trace::Writer> writer = std::move(writer_);
  writer->close();
  final_events_ = writer->events_written();
  final_bytes_ = writer->bytes_written();
}

void DemoRecording::draw_panel(fm::MemorySystem& ms) {
  const fm::overlay::RecordStatus status{
      .recording = recording(),
      .path = path_,
      .events = writer_ ? writer_->events_written() : final_events_,
      .bytes = writer_ ? writer_->bytes_written() : final_bytes_,
      .error = error_,
  };
  if (!fm::overlay::draw_record_panel(status)) return;
  try {
    if (recording()) {
      stop(ms);
    } else {
      start(ms, path_.empty() ? "framemem-demo.fmt" : path_);
    }
  } catch (const fm::error& e) {
    error_ = e.what();
  }
}

fm::overlay::Comparison load_comparison(const std::string& path) {
  fm::overlay::Comparison c;
  std::ifstream in(path);
  if (!in) {
    c.error = "comparison '" + path + "': cannot open the file";
    return c;
  }
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    c.trace = j.at("trace").get<std::string>();
    c.rounds = j.at("rounds").get<unsigned>();
    c.frames = j.at("frames").get<std::uint64_t>();
    for (const auto& a : j.at("allocators")) {
      fm::overlay::ComparisonRow row{.allocator = a.at("name").get<std::string>(), .figures = {}};
      for_each_field(row.figures, [&](const fm::trace::ComparisonField& field, std::uint64_t& value) {
        if (fm::trace::measured(field, c.frames)) value = a.at(std::string(field.key)).get<std::uint64_t>();
      });
      c.rows.push_back(std::move(row));
    }
  } catch (const nlohmann::json::exception& e) {
    c.rows.clear();
    c.error = "comparison '" + path + "': not framemem-replay --json output: " + e.what();
  }
  return c;
}

}  // namespace demo
