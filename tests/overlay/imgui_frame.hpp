// Panels drawn in a real ImGui context without a window or renderer: what they write (through ImGui's own
// log) and where table contents would be cut off by their column.
#pragma once

#include <imgui.h>
#include <imgui_internal.h>

#include <algorithm>
#include <string>
#include <vector>

namespace fm::test {

// An ImGui context for one test, with the font atlas built and the display of the demo's window.
class ImGuiFrames {
 public:
  explicit ImGuiFrames(ImVec2 display = {1600, 900}) : context_(ImGui::CreateContext()) {
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = display;
    io.DeltaTime = 1.0f / 60;
    unsigned char* pixels = nullptr;
    int width = 0, height = 0;
    io.Fonts->GetTexDataAsAlpha8(&pixels, &width, &height);  // builds the atlas NewFrame needs
  }
  ~ImGuiFrames() { ImGui::DestroyContext(context_); }
  ImGuiFrames(const ImGuiFrames&) = delete;
  ImGuiFrames& operator=(const ImGuiFrames&) = delete;

  // One frame running `draw`, which opens windows of its own.
  template <class Draw>
  void frame(Draw&& draw) {
    ImGui::NewFrame();
    draw();
    ImGui::EndFrame();
  }

  // One frame running `draw` in a window `title` of `size`; returns the text it wrote there, as ImGui's log
  // writes it (a table row per line, each cell after a '|').
  template <class Draw>
  std::string text_of(const char* title, ImVec2 size, Draw&& draw) {
    std::string text;
    frame([&] {
      ImGui::SetNextWindowSize(size);
      ImGui::Begin(title);
      ImGui::LogToBuffer();
      draw();
      text = context_->LogBuffer.c_str();
      ImGui::LogFinish();
      ImGui::End();
    });
    return text;
  }

  // "window / column: what" for every table cell or header of the last frame whose contents reach past
  // the column's width (ImGui cuts them off there).
  [[nodiscard]] std::vector<std::string> clipped_columns() const {
    std::vector<std::string> found;
    ImPool<ImGuiTable>& tables = context_->Tables;
    for (int n = 0; n < tables.GetMapSize(); ++n) {
      const ImGuiTable* table = tables.TryGetMapData(n);
      if (table == nullptr || table->OuterWindow == nullptr) continue;
      for (int c = 0; c < table->ColumnsCount; ++c) {
        const ImGuiTableColumn& column = table->Columns[c];
        const float reach = std::max(column.ContentMaxXUnfrozen, column.ContentMaxXHeadersIdeal);
        if (reach > column.WorkMaxX + 0.5f) {
          found.push_back(std::string(table->OuterWindow->Name) + " / " + ImGui::TableGetColumnName(table, c) +
                          ": needs " + std::to_string(reach - column.WorkMinX) + " px, has " +
                          std::to_string(column.WorkMaxX - column.WorkMinX));
        }
      }
    }
    return found;
  }

 private:
  ImGuiContext* context_;
};

}  // namespace fm::test
