// Panel 0: the timeline. Says whether the panels show the live frame or a paused one (and which), moves
// the selection with buttons and keys, and draws the history as a strip, one column per frame, frames with
// a system over budget in red; clicking or dragging on the strip selects a frame.
#include <algorithm>
#include <cstdio>

#include "widgets.hpp"

namespace fm::overlay {

namespace {

constexpr std::ptrdiff_t many = 10;  // frames per step with the _many keys

void draw_status(const Timeline& t) {
  const Snapshot& s = t.shown();
  if (t.live()) {
    ImGui::TextColored(detail::green, "LIVE  frame %llu", static_cast<unsigned long long>(s.frame));
  } else {
    ImGui::TextColored(detail::amber, "PAUSED  frame %llu  (%zu frames before the newest)", static_cast<unsigned long long>(s.frame),
                       t.shown_age());
  }
  if (t.shown_expired()) {
    ImGui::SameLine();
    ImGui::TextColored(detail::red, "the paused frame left the history: oldest kept shown");
  }
}

void draw_buttons(Timeline& t) {
  if (ImGui::Button(t.live() ? "Pause [space]" : "Live [space]")) t.toggle_pause();
  const struct {
    const char* label;
    TimelineKey key;
  } moves[] = {{"|<", TimelineKey::oldest}, {"<", TimelineKey::back}, {">", TimelineKey::forward}, {">|", TimelineKey::newest}};
  for (const auto& m : moves) {
    ImGui::SameLine();
    if (ImGui::Button(m.label)) press(t, m.key);
  }
  ImGui::SameLine();
  if (ImGui::Button("Last overrun")) press(t, TimelineKey::last_overrun);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("newest frame where a system is over budget");
}

// One column per kept frame, oldest on the left.
void draw_strip(Timeline& t) {
  const std::size_t n = t.size();
  const float width = ImGui::GetContentRegionAvail().x;
  const float height = 16.0f;
  const ImVec2 o = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("##timeline strip", {width, height});
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(o, {o.x + width, o.y + height}, IM_COL32(35, 38, 48, 255));
  if (n == 0) return;
  const float column = width / static_cast<float>(n);
  const auto x_of = [&](std::size_t age) { return o.x + static_cast<float>(n - 1 - age) * column; };
  for (std::size_t age = 0; age < n; ++age) {
    if (!any_over_budget(t.at(age))) continue;
    dl->AddRectFilled({x_of(age), o.y}, {x_of(age) + std::max(column, 1.0f), o.y + height}, IM_COL32(230, 70, 60, 255));
  }
  const float xs = x_of(t.shown_age());
  dl->AddRectFilled({xs, o.y - 1}, {xs + std::max(column, 2.0f), o.y + height + 1}, IM_COL32(255, 255, 255, 230));
  if (ImGui::IsItemActive() || ImGui::IsItemHovered()) {
    const float x = ImGui::GetIO().MousePos.x - o.x;
    const auto from_oldest = static_cast<std::size_t>(std::clamp(x / column, 0.0f, static_cast<float>(n - 1)));
    const std::size_t age = n - 1 - from_oldest;
    if (ImGui::IsItemActive()) t.show_age(age);
    ImGui::SetTooltip("frame %llu%s", static_cast<unsigned long long>(t.at(age).frame),
                      any_over_budget(t.at(age)) ? " (over budget)" : "");
  }
}

}  // namespace

void press(Timeline& t, TimelineKey key) noexcept {
  switch (key) {
    case TimelineKey::toggle_pause: t.toggle_pause(); break;
    case TimelineKey::back: t.step(-1); break;
    case TimelineKey::forward: t.step(1); break;
    case TimelineKey::back_many: t.step(-many); break;
    case TimelineKey::forward_many: t.step(many); break;
    case TimelineKey::oldest: t.show_oldest(); break;
    case TimelineKey::newest: t.show_newest(); break;
    case TimelineKey::last_overrun: (void)t.show_last_overrun(); break;
  }
}

void draw_timeline(Timeline& t) {
  draw_status(t);
  draw_buttons(t);
  draw_strip(t);
  if (t.size() > 0) {
    auto frame = static_cast<int>(t.shown().frame);
    const auto oldest = static_cast<int>(t.at(t.size() - 1).frame);
    const auto newest = static_cast<int>(t.at(0).frame);
    ImGui::SetNextItemWidth(-1);
    if (ImGui::SliderInt("##frame", &frame, oldest, newest, "frame %d")) t.show_frame(static_cast<std::uint64_t>(frame));
  }
  ImGui::TextColored(detail::dim, "Left/Right 1 frame, Shift 10, Home/End: ends; red: over budget");
}

}  // namespace fm::overlay
