// framemem-demo entry point: parses the command line, runs the frame loop in a window or headless,
// and writes the screenshot and JSON report on request.
#include <CLI/CLI.hpp>
#include <GL/gl.h>
#include <imgui.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "fm/overlay/overlay.hpp"
#include "platform.hpp"
#include "screenshot.hpp"

namespace {

struct Options {
  bool headless = false;
  int frames = 0;  // 0 = until the window closes
  std::string screenshot;
  std::string report;
  std::string assets = "assets";
};

int run(const Options& opt) {
  demo::Platform platform({.headless = opt.headless});
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  int frame = 0;
  for (; opt.frames == 0 || frame < opt.frames; ++frame) {
    if (!platform.poll_events()) break;
    platform.begin_ui_frame();
    ImGui::SetNextWindowPos({10, 10}, ImGuiCond_Once);
    ImGui::Begin("framemem");
    ImGui::Text("%s", fm::overlay::version());
    ImGui::Text("frame %d, %.1f FPS", frame, static_cast<double>(ImGui::GetIO().Framerate));
    ImGui::Text("GL: %s", platform.gl_renderer().c_str());
    ImGui::End();
    glViewport(0, 0, platform.width(), platform.height());
    glClearColor(0.05f, 0.07f, 0.12f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    platform.render_ui();
    const bool last = opt.frames != 0 && frame + 1 == opt.frames;
    if (last && !opt.screenshot.empty()) {
      demo::write_png(demo::capture_back_buffer(platform.width(), platform.height()), opt.screenshot);
    }
    platform.present();
  }
  const double seconds = std::chrono::duration<double>(clock::now() - start).count();
  if (!opt.report.empty()) {
    nlohmann::json report{{"frames", frame}, {"seconds", seconds}, {"gl_renderer", platform.gl_renderer()}};
    std::ofstream(opt.report) << report.dump(2) << '\n';
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app{"framemem demo: particles and entities on framemem, with a live memory overlay"};
  app.add_flag("--headless", opt.headless, "Render to a hidden window (use with --frames, --screenshot, --report)");
  app.add_option("--frames", opt.frames, "Number of frames to run (0 = until closed)")->check(CLI::NonNegativeNumber);
  app.add_option("--screenshot", opt.screenshot, "Write the last frame as PNG to this path");
  app.add_option("--report", opt.report, "Write a JSON report to this path");
  app.add_option("--assets", opt.assets, "Folder with scenarios and shaders");
  CLI11_PARSE(app, argc, argv);
  try {
    return run(opt);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "framemem-demo: %s\n", e.what());
    return 1;
  }
}
