// The Sun's disc and glow, blended additively (smile_viewer._vispy.visuals.sky.SunGlowVisual).
uniform vec4 u_color;

varying vec2 v_px;
varying float v_core;
varying float v_glow;
varying float v_half;

void main() {
    float r = length(v_px);
    float disc = clamp(v_core - r + 0.5, 0.0, 1.0);  // antialiased limb
    float d = max(r - v_core, 0.0);
    float halo = 0.75 * exp(-d / (0.35 * v_glow)) + 0.3 * exp(-d / v_glow);  // inner and outer glow
    float fade = clamp((v_half - r) / (0.3 * v_half), 0.0, 1.0);  // to 0 before the quad's edge
    float a = max(disc, halo * fade) * u_color.a;
    if (a < 0.003) discard;
    gl_FragColor = vec4(u_color.rgb * a, a);
}
