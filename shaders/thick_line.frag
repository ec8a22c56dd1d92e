// Soft-edged constant-width lines (see thick_line.vert).
uniform float u_width;
varying vec4 v_color;
varying float v_across;

void main() {
    float coverage = clamp(0.5 * u_width + 0.5 - abs(v_across), 0.0, 1.0);
    if (coverage <= 0.0) discard;
    gl_FragColor = vec4(v_color.rgb, v_color.a * coverage);
}
