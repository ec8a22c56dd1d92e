// Points at infinity: the stars (smile_viewer._vispy.visuals.sky.SkyPointsVisual).
// a_dir is a unit direction in the scene frame, transformed with w = 0: the camera's
// translation drops out, so the sky stays put when the eye moves and only turns with it. The
// point is drawn on the far plane (behind everything else) and culled behind the eye.
attribute vec3 a_dir;
attribute vec4 a_color;    // rgb, peak intensity
attribute float a_radius;  // Gaussian sigma [px, before the pixel scale]

uniform float u_pixel_scale;
uniform float u_max_size;    // largest point size the driver draws [px]

varying vec4 v_color;
varying float v_size;
varying float v_core;

void main() {
    vec4 p = $transform(vec4(a_dir, 0.0));
    v_color = a_color;
    if (p.w <= 0.0) {  // behind the eye
        gl_Position = vec4(0.0, 0.0, 2.0, 1.0);
        gl_PointSize = 0.0;
        v_size = 1.0;
        v_core = 1.0;
        return;
    }
    gl_Position = vec4(p.xy, 0.999 * p.w, p.w);  // inside the far plane (drawn first, no depth test)
    v_core = a_radius * u_pixel_scale;
    v_size = min(ceil(6.0 * v_core) + 2.0, u_max_size);
    gl_PointSize = v_size;
}
