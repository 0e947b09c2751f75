// Back-buffer capture and PNG output.
#include "screenshot.hpp"

#include <GL/gl.h>
#include <stb_image_write.h>

#include <cstring>
#include <stdexcept>

namespace demo {

Image capture_back_buffer(int width, int height) {
  Image img{width, height, std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height * 3)};
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, img.rgb.data());
  // OpenGL's origin is bottom-left; PNG rows go top to bottom.
  const std::size_t row = static_cast<std::size_t>(width) * 3;
  std::vector<std::uint8_t> tmp(row);
  for (int y = 0; y < height / 2; ++y) {
    std::uint8_t* a = img.rgb.data() + static_cast<std::size_t>(y) * row;
    std::uint8_t* b = img.rgb.data() + static_cast<std::size_t>(height - 1 - y) * row;
    std::memcpy(tmp.data(), a, row);
    std::memcpy(a, b, row);
    std::memcpy(b, tmp.data(), row);
  }
  return img;
}

void write_png(const Image& image, const std::string& path) {
  if (stbi_write_png(path.c_str(), image.width, image.height, 3, image.rgb.data(), image.width * 3) == 0) {
    throw std::runtime_error("cannot write screenshot '" + path + "'");
  }
}

}  // namespace demo
