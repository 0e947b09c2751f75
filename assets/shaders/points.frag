#version 330 core
// Round points with a soft edge; small particles stay square-ish, entity sprites read as discs.
in vec4 v_colour;
out vec4 frag;
void main() {
  vec2 d = gl_PointCoord * 2.0 - 1.0;
  float r2 = dot(d, d);
  if (r2 > 1.0) discard;
  frag = vec4(v_colour.rgb, v_colour.a * (1.0 - 0.5 * r2));
}
