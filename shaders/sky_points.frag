// Stars: a Gaussian spot each, blended additively (smile_viewer._vispy.visuals.sky.SkyPointsVisual).
varying vec4 v_color;
varying float v_size;
varying float v_core;

void main() {
    float r = length(gl_PointCoord - vec2(0.5)) * v_size;  // [px] from the centre
    float a = exp(-0.5 * r * r / (v_core * v_core)) * v_color.a;
    if (a < 0.003) discard;
    gl_FragColor = vec4(v_color.rgb * a, a);
}
