// Stars (a Gaussian spot) and the Sun (a disc in a glow), blended additively
// (smile_viewer._vispy.visuals.sky.SkyPointsVisual).
uniform float u_kind;

varying vec4 v_color;
varying float v_size;
varying float v_core;
varying float v_glow;

void main() {
    float r = length(gl_PointCoord - vec2(0.5)) * v_size;  // [px] from the centre
    float a;
    if (u_kind < 0.5) {
        a = exp(-0.5 * r * r / (v_core * v_core));
    } else {
        float disc = clamp(v_core - r + 0.5, 0.0, 1.0);  // antialiased limb
        float d = max(r - v_core, 0.0);
        float halo = 0.75 * exp(-d / (0.35 * v_glow)) + 0.3 * exp(-d / v_glow);  // inner and outer glow
        float fade = clamp((0.5 * v_size - r) / (0.15 * v_size), 0.0, 1.0);  // to 0 at the sprite's edge
        a = max(disc, halo * fade);
    }
    a *= v_color.a;
    if (a < 0.003) discard;
    gl_FragColor = vec4(v_color.rgb * a, a);
}
