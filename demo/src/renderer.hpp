// Draws particles and entities as GL points from a buffer streamed every frame (OpenGL 3.3 core).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace demo {

// One drawn point; the demo builds these in per-frame scratch memory.
struct PointVertex {
  float x, y;
  std::uint32_t rgba;  // little-endian R,G,B,A bytes
  float size;          // pixels
};

class Renderer {
 public:
  // Compiles the shaders in `shader_dir`; throws std::runtime_error with the GL info log on failure.
  explicit Renderer(const std::string& shader_dir, float world_width, float world_height);
  ~Renderer();
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;

  void begin_frame(int width, int height);
  void draw(std::span<const PointVertex> points);
  // Draws the points of the last draw() again (a paused game has no new frame to build).
  void redraw();
  void finish();  // waits for the GPU so render time is measured honestly

 private:
  unsigned program_ = 0;
  unsigned vao_ = 0;
  unsigned vbo_ = 0;
  std::size_t points_ = 0;  // in the buffer
  int world_uniform_ = -1;
  float world_w_;
  float world_h_;
};

}  // namespace demo
