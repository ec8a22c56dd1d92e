// Points at infinity: stars and the Sun's glow (smile_viewer._vispy.visuals.sky.SkyPointsVisual).
// a_dir is a unit direction in the scene frame, transformed with w = 0: the camera's
// translation drops out, so the sky stays put when the eye moves and only turns with it. The
// point is drawn on the far plane (behind everything else) and culled behind the eye.
attribute vec3 a_dir;
attribute vec4 a_color;    // rgb, peak intensity
attribute float a_radius;  // stars: Gaussian sigma [px, before pixel scale]; Sun: angular radius [rad]

uniform float u_kind;        // 0 stars, 1 the Sun
uniform float u_px_per_rad;  // framebuffer pixels per radian at the view's centre
uniform float u_pixel_scale;
uniform float u_max_size;    // largest point size the driver draws [px]

varying vec4 v_color;
varying float v_size;
varying float v_core;
varying float v_glow;  // Sun: e-folding radius of the outer glow [px]

void main() {
    vec4 p = $transform(vec4(a_dir, 0.0));
    v_color = a_color;
    if (p.w <= 0.0) {  // behind the eye
        gl_Position = vec4(0.0, 0.0, 2.0, 1.0);
        gl_PointSize = 0.0;
        v_size = 1.0;
        v_core = 1.0;
        v_glow = 1.0;
        return;
    }
    gl_Position = vec4(p.xy, 0.999 * p.w, p.w);  // inside the far plane (drawn first, no depth test)
    v_glow = 1.0;
    if (u_kind < 0.5) {
        v_core = a_radius * u_pixel_scale;
        v_size = min(ceil(6.0 * v_core) + 2.0, u_max_size);
    } else {
        // the disc at its true angular size; the glow at least 24 px (times the pixel scale) wide
        v_core = max(a_radius * u_px_per_rad, 1.5 * u_pixel_scale);
        v_glow = max(6.0 * v_core, 24.0 * u_pixel_scale);
        v_size = min(ceil(6.0 * v_glow) + 2.0, u_max_size);
    }
    gl_PointSize = v_size;
}
