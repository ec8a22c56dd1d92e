// The Sun: a disc of its true angular size in a glow, on a screen-aligned quad at infinity
// (smile_viewer._vispy.visuals.sky.SunGlowVisual). A quad, not a point sprite: a sprite is
// clipped whole when its centre leaves the view, and a glow cut at a cube-map face would show.
attribute vec3 a_dir;     // unit direction of the Sun in the scene frame (the same at each corner)
attribute vec2 a_corner;  // (+-1, +-1)

uniform float u_radius_rad;  // angular radius of the disc
uniform float u_px_per_rad;  // framebuffer pixels per radian at the view's centre
uniform float u_pixel_scale;
uniform vec3 u_forward;      // the camera's view direction in the scene frame

varying vec2 v_px;      // offset from the centre [framebuffer px]
varying float v_core;   // radius of the disc [px]
varying float v_glow;   // e-folding radius of the outer glow [px]
varying float v_half;   // half side of the quad [px]

void main() {
    vec4 p = $visual_to_framebuffer(vec4(a_dir, 0.0));  // w = 0: a direction, at infinity
    // a perspective view magnifies angles away from its centre (1/cos^2 radially, 1/cos across):
    // the quad grows by 1/cos^1.5 so that the glow keeps its angular size over a cube-map face
    float stretch = pow(max(dot(a_dir, u_forward), 0.2), -1.5);
    v_core = max(u_radius_rad * u_px_per_rad, 1.5 * u_pixel_scale) * stretch;
    v_glow = max(6.0 * v_core, 24.0 * u_pixel_scale * stretch);
    v_half = 3.0 * v_glow + 2.0;
    v_px = a_corner * v_half;
    if (p.w <= 0.0) {  // behind the eye: a degenerate quad outside the view
        gl_Position = vec4(0.0, 0.0, 2.0, 1.0);
        return;
    }
    vec4 q = $framebuffer_to_render(vec4(p.xy / p.w + v_px, 0.0, 1.0));
    // on the far plane, behind everything
    gl_Position = vec4(q.xy / q.w, 0.999, 1.0);
}
