// The JSON form of fm::Snapshot: a tiny writer that handles commas, escaping and number formatting,
// and one function per snapshot struct.
#include "fm/system/snapshot_json.hpp"

#include <charconv>
#include <cstdio>
#include <string_view>

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
  void write_string(std::string_view s) {
    out_ += '"';
    for (const char c : s) {
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        char esc[8];
        std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(c));
        out_ += esc;
      } else {
        out_ += c;
      }
    }
    out_ += '"';
  }

  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
};

void write_page(JsonWriter& w, const PageSnapshot& p) {
  w.begin_object();
  w.key("address").value(p.address);
  w.key("live_blocks").value(p.live_blocks);
  w.key("blocks").value(p.blocks);
  w.key("live_summary").hex(p.live_summary);
  w.end_object();
}

void write_pool(JsonWriter& w, const PoolSnapshot& p) {
  w.begin_object();
  w.key("system").value(p.system);
  w.key("block_size").value(p.block_size);
  w.key("page_bytes").value(p.page_bytes);
  w.key("live_blocks").value(p.live_blocks);
  w.key("committed_blocks").value(p.committed_blocks);
  w.key("committed_pages").value(p.committed_pages);
  w.key("empty_pages").value(p.empty_pages);
  w.key("partial_pages").value(p.partial_pages);
  w.key("full_pages").value(p.full_pages);
  w.key("occupancy").value(p.occupancy);
  w.key("page_fragmentation").value(p.page_fragmentation);
  w.key("releasable_bytes").value(p.releasable_bytes);
  w.key("free_list_scatter").value(p.free_list_scatter);
  w.key("address_begin").value(p.address_begin);
  w.key("address_end").value(p.address_end);
  w.key("pages_truncated").value(p.pages_truncated);
  w.key("pages").begin_array();
  for (const PageSnapshot& page : p.pages) write_page(w, page);
  w.end_array();
  w.end_object();
}

void write_system(JsonWriter& w, const SystemSnapshot& s) {
  w.begin_object();
  w.key("name").value(s.name.view());
  w.key("kind").value(s.kind.view());
  w.key("parent").value(s.parent);
  w.key("pool").value(s.pool);
  w.key("depth").value(s.depth);
  w.key("has_allocator").value(s.has_allocator);
  w.key("bytes_used").value(s.bytes_used);
  w.key("bytes_reserved").value(s.bytes_reserved);
  w.key("bytes_peak").value(s.bytes_peak);
  w.key("allocations_total").value(s.allocations_total);
  w.key("frees_total").value(s.frees_total);
  w.key("allocations_this_frame").value(s.allocations_this_frame);
  w.key("frees_this_frame").value(s.frees_this_frame);
  w.key("overflow_events").value(s.overflow_events);
  w.key("overhead").value(s.overhead);
  w.key("total_bytes_used").value(s.total_bytes_used);
  w.key("total_bytes_reserved").value(s.total_bytes_reserved);
  w.key("budget").value(s.budget);
  w.key("over_budget").value(s.over_budget);
  w.key("budget_overruns").value(s.budget_overruns);
  w.end_object();
}

void write_frame_arena(JsonWriter& w, const FrameArenaSnapshot& a) {
  w.begin_object();
  w.key("available").value(a.available);
  w.key("bytes_this_frame").value(a.bytes_this_frame);
  w.key("bytes_held").value(a.bytes_held);
  w.key("capacity_per_frame").value(a.capacity_per_frame);
  w.key("high_water").value(a.high_water);
  w.key("padding").value(a.padding);
  w.key("overflow_events").value(a.overflow_events);
  w.end_object();
}

void write_heap(JsonWriter& w, const HeapSnapshot& h) {
  w.begin_object();
  w.key("available").value(h.available);
  w.key("allocations_this_frame").value(h.allocations_this_frame);
  w.key("frees_this_frame").value(h.frees_this_frame);
  w.key("bytes_this_frame").value(h.bytes_this_frame);
  w.key("allocations_total").value(h.allocations_total);
  w.key("bytes_total").value(h.bytes_total);
  w.end_object();
}

}  // namespace

void write_json(std::string& out, const Snapshot& s) {
  JsonWriter w(out);
  w.begin_object();
  w.key("frame").value(s.frame);
  w.key("frame_seconds").value(s.frame_seconds);
  w.key("interval_seconds").value(s.interval_seconds);
  w.key("budget_overruns").value(s.budget_overruns);
  w.key("systems").begin_array();
  for (const SystemSnapshot& sys : s.systems) write_system(w, sys);
  w.end_array();
  w.key("pools").begin_array();
  for (const PoolSnapshot& pool : s.pools) write_pool(w, pool);
  w.end_array();
  w.key("frame_arena");
  write_frame_arena(w, s.frame_arena);
  w.key("heap");
  write_heap(w, s.heap);
  w.end_object();
}

std::string to_json(const Snapshot& s) {
  std::string out;
  write_json(out, s);
  return out;
}

}  // namespace fm
