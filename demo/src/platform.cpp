// SDL2/OpenGL/ImGui set-up and per-frame plumbing for the demo.
#include "platform.hpp"

#include <GL/gl.h>
#include <backends/imgui_impl_opengl3.h>
#include <backends/imgui_impl_sdl.h>
#include <imgui.h>

#include <stdexcept>

namespace demo {

namespace {
[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what + ": " + SDL_GetError()); }
}  // namespace

Platform::Platform(const WindowOptions& options) : width_(options.width), height_(options.height) {
  if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER) != 0) fail("SDL_Init failed");
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_CORE);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 3);
  SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
  SDL_GL_SetAttribute(SDL_GL_DEPTH_SIZE, 0);
  Uint32 flags = SDL_WINDOW_OPENGL | SDL_WINDOW_ALLOW_HIGHDPI;
  flags |= options.headless ? SDL_WINDOW_HIDDEN : SDL_WINDOW_RESIZABLE;
  window_ = SDL_CreateWindow("framemem demo", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, width_, height_, flags);
  if (window_ == nullptr) fail("SDL_CreateWindow (OpenGL 3.3 core) failed");
  context_ = SDL_GL_CreateContext(window_);
  if (context_ == nullptr) fail("SDL_GL_CreateContext (OpenGL 3.3 core) failed");
  SDL_GL_MakeCurrent(window_, context_);
  SDL_GL_SetSwapInterval(options.vsync && !options.headless ? 1 : 0);
  if (const auto* r = reinterpret_cast<const char*>(glGetString(GL_RENDERER))) renderer_ = r;

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  ImGui::StyleColorsDark();
  ImGui_ImplSDL2_InitForOpenGL(window_, context_);
  ImGui_ImplOpenGL3_Init("#version 330 core");
}

Platform::~Platform() {
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplSDL2_Shutdown();
  ImGui::DestroyContext();
  if (context_ != nullptr) SDL_GL_DeleteContext(context_);
  if (window_ != nullptr) SDL_DestroyWindow(window_);
  SDL_Quit();
}

bool Platform::poll_events() {
  keys_.clear();
  bool running = true;
  SDL_Event e;
  while (SDL_PollEvent(&e) != 0) {
    ImGui_ImplSDL2_ProcessEvent(&e);
    if (e.type == SDL_QUIT) running = false;
    if (e.type == SDL_WINDOWEVENT && e.window.event == SDL_WINDOWEVENT_CLOSE) running = false;
    if (e.type == SDL_KEYDOWN && !ImGui::GetIO().WantTextInput) {
      keys_.push_back({e.key.keysym.sym, (e.key.keysym.mod & KMOD_SHIFT) != 0});
    }
  }
  SDL_GL_GetDrawableSize(window_, &width_, &height_);
  return running;
}

void Platform::begin_ui_frame() {
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplSDL2_NewFrame();
  ImGui::NewFrame();
}

void Platform::render_ui() {
  ImGui::Render();
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

void Platform::present() { SDL_GL_SwapWindow(window_); }

}  // namespace demo
