#version 330 core
// Particles and entities as GL points: world position, packed RGBA colour, point size in pixels.
layout(location = 0) in vec2 a_pos;
layout(location = 1) in vec4 a_colour;
layout(location = 2) in float a_size;
uniform vec2 u_world;  // world extent in world units
out vec4 v_colour;
void main() {
  vec2 ndc = a_pos / u_world * 2.0 - 1.0;
  gl_Position = vec4(ndc.x, -ndc.y, 0.0, 1.0);
  gl_PointSize = a_size;
  v_colour = a_colour;
}
