// Shader compilation and point streaming.
#include "renderer.hpp"

#include <GL/gl.h>
#include <GL/glext.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace demo {

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open shader '" + path + "'");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

GLuint compile(GLenum type, const std::string& path) {
  const std::string src = read_file(path);
  const char* text = src.c_str();
  GLuint shader = glCreateShader(type);
  glShaderSource(shader, 1, &text, nullptr);
  glCompileShader(shader);
  GLint ok = 0;
  glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
  if (ok == 0) {
    char log[1024] = {};
    glGetShaderInfoLog(shader, sizeof log, nullptr, log);
    glDeleteShader(shader);
    throw std::runtime_error("shader '" + path + "' failed to compile: " + log);
  }
  return shader;
}

}  // namespace

Renderer::Renderer(const std::string& shader_dir, float world_width, float world_height)
    : world_w_(world_width), world_h_(world_height) {
  const GLuint vs = compile(GL_VERTEX_SHADER, shader_dir + "/points.vert");
  const GLuint fs = compile(GL_FRAGMENT_SHADER, shader_dir + "/points.frag");
  program_ = glCreateProgram();
  glAttachShader(program_, vs);
  glAttachShader(program_, fs);
  glLinkProgram(program_);
  glDeleteShader(vs);
  glDeleteShader(fs);
  GLint ok = 0;
  glGetProgramiv(program_, GL_LINK_STATUS, &ok);
  if (ok == 0) throw std::runtime_error("point shader program failed to link in '" + shader_dir + "'");
  world_uniform_ = glGetUniformLocation(program_, "u_world");

  glGenVertexArrays(1, &vao_);
  glGenBuffers(1, &vbo_);
  glBindVertexArray(vao_);
  glBindBuffer(GL_ARRAY_BUFFER, vbo_);
  const auto stride = static_cast<GLsizei>(sizeof(PointVertex));
  glEnableVertexAttribArray(0);
  glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, stride, reinterpret_cast<void*>(offsetof(PointVertex, x)));
  glEnableVertexAttribArray(1);
  glVertexAttribPointer(1, 4, GL_UNSIGNED_BYTE, GL_TRUE, stride, reinterpret_cast<void*>(offsetof(PointVertex, rgba)));
  glEnableVertexAttribArray(2);
  glVertexAttribPointer(2, 1, GL_FLOAT, GL_FALSE, stride, reinterpret_cast<void*>(offsetof(PointVertex, size)));
  glBindVertexArray(0);
}

Renderer::~Renderer() {
  glDeleteBuffers(1, &vbo_);
  glDeleteVertexArrays(1, &vao_);
  glDeleteProgram(program_);
}

void Renderer::begin_frame(int width, int height) {
  glViewport(0, 0, width, height);
  glClearColor(0.03f, 0.04f, 0.08f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
}

void Renderer::draw(std::span<const PointVertex> points) {
  glBindBuffer(GL_ARRAY_BUFFER, vbo_);
  // Orphan and refill: the driver gives a fresh buffer instead of stalling on last frame's draw.
  glBufferData(GL_ARRAY_BUFFER, static_cast<GLsizeiptr>(points.size_bytes()), nullptr, GL_STREAM_DRAW);
  glBufferSubData(GL_ARRAY_BUFFER, 0, static_cast<GLsizeiptr>(points.size_bytes()), points.data());
  points_ = points.size();
  redraw();
}

void Renderer::redraw() {
  if (points_ == 0) return;
  glEnable(GL_PROGRAM_POINT_SIZE);
  glEnable(GL_BLEND);
  glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
  glUseProgram(program_);
  glUniform2f(world_uniform_, world_w_, world_h_);
  glBindVertexArray(vao_);
  glBindBuffer(GL_ARRAY_BUFFER, vbo_);
  glDrawArrays(GL_POINTS, 0, static_cast<GLsizei>(points_));
  glBindVertexArray(0);
  glUseProgram(0);
}

void Renderer::finish() { glFinish(); }

}  // namespace demo
