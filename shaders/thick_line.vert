// Lines of constant width in pixels, drawn as screen-space quads
// (smile_viewer._vispy.visuals.lines.ThickLineVisual). Unlike GL wide lines they have no
// gaps between short segments, the same width on every driver, and soft edges.
// Each segment is 4 vertices: a_t = 0/1 picks its start/end, a_side = -1/+1 its edge.
attribute vec3 a_start;
attribute vec3 a_end;
attribute float a_t;
attribute float a_side;
attribute vec4 a_color;

uniform float u_width;        // line width in framebuffer pixels
uniform vec2 u_px_per_ndc;    // framebuffer pixels per unit of normalised device coordinates

varying vec4 v_color;
varying float v_across;       // signed distance from the centre line, pixels

void main() {
    vec4 s = $transform(vec4(a_start, 1.0));
    vec4 e = $transform(vec4(a_end, 1.0));
    // clip the segment where it passes behind the eye
    float eps = 1e-5 * max(abs(s.w), abs(e.w)) + 1e-9;
    if (s.w < eps && e.w < eps) {
        gl_Position = vec4(0.0, 0.0, 2.0, 1.0);   // outside the clip volume: dropped
        v_color = vec4(0.0);
        v_across = 0.0;
        return;
    }
    if (s.w < eps) s = mix(s, e, (eps - s.w) / (e.w - s.w));
    if (e.w < eps) e = mix(e, s, (eps - e.w) / (s.w - e.w));

    vec2 s_px = s.xy / s.w * u_px_per_ndc;
    vec2 e_px = e.xy / e.w * u_px_per_ndc;
    vec2 d = e_px - s_px;
    float len = length(d);
    vec2 dir = len > 1e-6 ? d / len : vec2(1.0, 0.0);
    vec2 normal = vec2(-dir.y, dir.x);

    // half width plus one pixel for the soft edge; square caps overlap the next segment
    float half_w = 0.5 * u_width + 1.0;
    vec2 offset_px = normal * a_side * half_w + dir * (2.0 * a_t - 1.0) * 0.5 * u_width;
    vec4 p = (a_t < 0.5) ? s : e;
    p.xy += offset_px / u_px_per_ndc * p.w;
    gl_Position = p;
    v_color = a_color;
    v_across = a_side * half_w;
}
