// fm::overlay::Dashboard: one window per panel, laid out in two columns (the middle left to the game)
// with the frame diff at the bottom of the middle.
#include "fm/overlay/dashboard.hpp"

#include <algorithm>

#include "widgets.hpp"

namespace fm::overlay {

namespace {

constexpr float timeline_height = 140;
constexpr float frame_height = 170;
constexpr float arena_height = 196;
constexpr float cache_height = 180;
constexpr float address_height = 200;
constexpr float diff_height = 230;

bool begin_window(const char* title, const ScreenRect& r) {
  ImGui::SetNextWindowPos({r.x, r.y}, ImGuiCond_FirstUseEver);
  ImGui::SetNextWindowSize({r.width, r.height}, ImGuiCond_FirstUseEver);
  ImGui::SetNextWindowBgAlpha(0.82f);
  return ImGui::Begin(title);
}

}  // namespace

ScreenRect Dashboard::game_slot() const {
  const float m = layout_.margin;
  return {m, m + timeline_height + m + frame_height + m, layout_.column_width, layout_.game_slot_height};
}

ScreenRect Dashboard::middle_slot(float height) const {
  const ScreenRect diff = frame_diff_rect();
  return {diff.x, std::max(layout_.margin, diff.y - height - layout_.margin), diff.width, height};
}

// The frame diff: the bottom of the middle, between the two columns.
ScreenRect Dashboard::frame_diff_rect() const {
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float m = layout_.margin;
  const float w = layout_.column_width;
  const float right = std::max(m, display.x - w - m);
  const float middle = m + w + m;
  return {middle, display.y - diff_height - m, std::max(200.0f, right - middle - m), diff_height};
}

void Dashboard::read_keys() {
  const ImGuiIO& io = ImGui::GetIO();
  if (!keyboard || io.WantTextInput) return;
  const auto pressed = [](ImGuiKey_ key) { return ImGui::IsKeyPressed(ImGui::GetKeyIndex(key)); };
  if (pressed(ImGuiKey_Space)) press(timeline_, TimelineKey::toggle_pause);
  if (pressed(ImGuiKey_LeftArrow)) press(timeline_, io.KeyShift ? TimelineKey::back_many : TimelineKey::back);
  if (pressed(ImGuiKey_RightArrow)) press(timeline_, io.KeyShift ? TimelineKey::forward_many : TimelineKey::forward);
  if (pressed(ImGuiKey_Home)) press(timeline_, TimelineKey::oldest);
  if (pressed(ImGuiKey_End)) press(timeline_, TimelineKey::newest);
}

PoolActions Dashboard::draw(const GameTimes& times, const CacheView* cache) {
  read_keys();
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float m = layout_.margin;
  const float w = layout_.column_width;
  const float right = std::max(m, display.x - w - m);
  const History history(timeline_);
  const bool have = !history.empty();

  ScreenRect r{m, m, w, timeline_height};
  if (begin_window("Timeline", r)) draw_timeline(timeline_);
  ImGui::End();
  r = {m, r.y + r.height + m, w, frame_height};
  if (begin_window("Frame", r) && have) draw_frame_panel(history, times);
  ImGui::End();
  const ScreenRect slot = game_slot();
  const float systems_y = slot.y + (slot.height > 0 ? slot.height + m : 0);
  r = {m, systems_y, w, std::max(100.0f, display.y - systems_y - m)};
  if (begin_window("Memory systems", r) && have) draw_systems_table(history.shown());
  ImGui::End();

  const float pools_height = std::max(150.0f, display.y - 5 * m - arena_height - cache_height - address_height);
  PoolActions actions;
  r = {right, m, w, pools_height};
  if (begin_window("Pool occupancy", r) && have) actions = draw_pool_map(history.shown());
  ImGui::End();
  r = {right, r.y + r.height + m, w, arena_height};
  if (begin_window("Frame arena", r)) draw_frame_arena_panel(history);
  ImGui::End();
  if (cache != nullptr) {
    r = {right, r.y + r.height + m, w, cache_height};
    if (begin_window("Cache behaviour", r)) draw_cache_panel(*cache);
    ImGui::End();
  }
  r = {right, r.y + r.height + m, w, std::max(100.0f, display.y - r.y - r.height - 2 * m)};
  if (begin_window("Address map", r)) draw_address_map(history, address_rows_);
  ImGui::End();

  if (begin_window("Frame diff", frame_diff_rect()) && have) {
    const std::size_t older = std::min(history.shown_age() + diff_frames, history.size() - 1);
    draw_frame_diff(history.at(older), history.shown(), diff_rows_);
  }
  ImGui::End();
  return actions;
}

}  // namespace fm::overlay
