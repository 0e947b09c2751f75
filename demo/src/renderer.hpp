// Draws particles and entities as GL points from a buffer streamed every frame (OpenGL 3.3 core).
#pragma once

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
  void finish();  // waits for the GPU so render time is measured honestly

 private:
  unsigned program_ = 0;
  unsigned vao_ = 0;
  unsigned vbo_ = 0;
  int world_uniform_ = -1;
  float world_w_;
  float world_h_;
};

}  // namespace demo
