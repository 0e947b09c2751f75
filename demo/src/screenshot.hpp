// Reads back the current OpenGL back buffer and writes it as a PNG (stb_image_write from Debian's libstb).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace demo {

struct Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;  // top row first
};

// Call after rendering and before presenting.
[[nodiscard]] Image capture_back_buffer(int width, int height);
// Throws std::runtime_error naming the path when the file cannot be written.
void write_png(const Image& image, const std::string& path);

}  // namespace demo
