// The demo's window: SDL2 + an OpenGL 3.3 core context + Dear ImGui's SDL2/OpenGL3 backends (from
// Debian's libimgui). One object owns them all and tears them down in reverse order.
#pragma once

#include <SDL.h>

#include <string>
#include <vector>

namespace demo {

struct WindowOptions {
  int width = 1600;
  int height = 900;
  bool headless = false;  // hidden window, rendering still happens (for screenshots)
  bool vsync = true;
};

class Platform {
 public:
  explicit Platform(const WindowOptions& options);  // throws std::runtime_error naming what SDL/GL said
  ~Platform();
  Platform(const Platform&) = delete;
  Platform& operator=(const Platform&) = delete;

  // Pumps events; returns false once the user closed the window. Events also go to ImGui.
  bool poll_events();
  void begin_ui_frame();
  void render_ui();  // draws ImGui's draw data over what was rendered this frame
  void present();
  [[nodiscard]] int width() const noexcept { return width_; }
  [[nodiscard]] int height() const noexcept { return height_; }
  [[nodiscard]] const std::string& gl_renderer() const noexcept { return renderer_; }
  [[nodiscard]] SDL_Window* window() const noexcept { return window_; }

  // Keys pressed since the last poll_events, every press in order (key repeats included), for keyboard
  // shortcuts; none while an ImGui text field has the keyboard.
  struct KeyPress {
    SDL_Keycode key;
    bool shift;
  };
  [[nodiscard]] const std::vector<KeyPress>& key_presses() const noexcept { return keys_; }

 private:
  SDL_Window* window_ = nullptr;
  SDL_GLContext context_ = nullptr;
  int width_ = 0;
  int height_ = 0;
  std::string renderer_;
  std::vector<KeyPress> keys_;
};

}  // namespace demo
