// Panel 8: the frame diff of two snapshots (fm::frame_diff), largest growth first; pools whose page
// fragmentation rose are red. The rows come from core; this file only draws them.
#include <cstdio>
#include <cstdlib>

#include "widgets.hpp"

namespace fm::overlay {

namespace {

const char* signed_bytes(char (&buf)[40], std::int64_t bytes) {
  char magnitude[32];
  detail::format_bytes(magnitude, static_cast<double>(std::llabs(bytes)));
  std::snprintf(buf, sizeof buf, "%s%s", bytes < 0 ? "-" : bytes > 0 ? "+" : "", magnitude);
  return buf;
}

const char* presence(SystemDelta::Presence p) {
  switch (p) {
    case SystemDelta::Presence::added: return " (new)";
    case SystemDelta::Presence::removed: return " (gone)";
    case SystemDelta::Presence::both: break;
  }
  return "";
}

}  // namespace

void draw_frame_diff(const Snapshot& older, const Snapshot& newer, std::vector<SystemDelta>& rows) {
  frame_diff(older, newer, rows);
  ImGui::Text("frame %llu -> frame %llu", static_cast<unsigned long long>(older.frame),
              static_cast<unsigned long long>(newer.frame));
  // Widths for the dashboard's middle at 1600 pixels, so every header fits.
  constexpr detail::Column columns[] = {
      {"system", 1.5f}, {"d used", 0.95f}, {"allocs/frees", 1.05f}, {"d pages", 0.6f}, {"d fragmentation", 1.05f}};
  if (!detail::begin_table("frame diff", columns)) return;
  char text[40];
  for (const SystemDelta& d : rows) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::Text("%.*s%s", static_cast<int>(d.name.size()), d.name.data(), presence(d.presence));
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(signed_bytes(text, d.bytes));
    ImGui::TableNextColumn();
    ImGui::Text("%lld/%lld", static_cast<long long>(d.allocations), static_cast<long long>(d.frees));
    ImGui::TableNextColumn();
    if (d.pool) ImGui::Text("%+lld", static_cast<long long>(d.pages));
    ImGui::TableNextColumn();
    if (d.pool && d.fragmentation_rose) {
      ImGui::TextColored(detail::red, "%+.0f%%", d.fragmentation * 100.0);
    } else if (d.pool) {
      ImGui::Text("%+.0f%%", d.fragmentation * 100.0);
    }
  }
  ImGui::EndTable();
  ImGui::TextColored(detail::dim, "used: with children; red: page fragmentation rose");
}

}  // namespace fm::overlay
