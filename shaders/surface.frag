// Translucent boundary surface: nearly clear where it faces the viewer, denser towards its
// silhouette (a "rim" or Fresnel-like look), so the shape reads without hiding what is
// inside (Earth, field lines). Thin rings at constant X (every u_ring_spacing R_E) give the
// surface a sense of depth and scale. Blended, no depth writes (see the visual).
uniform vec4 u_color;           // rgb and the layer opacity
uniform float u_face_alpha;     // alpha (times opacity) where the surface faces the viewer
uniform float u_rim_power;      // how fast the alpha grows towards the silhouette
uniform float u_ring_spacing;   // R_E between rings at constant X (0: none)
uniform float u_ring_alpha;     // extra alpha of a ring
uniform float u_back_factor;    // alpha factor of the inner side (seen from inside the surface)

varying float v_facing;
varying float v_x;

void main() {
    float c = clamp(v_facing, 0.0, 1.0);
    float rim = pow(1.0 - c, u_rim_power);
    float alpha = mix(u_face_alpha, 1.0, rim);

    float ring = 0.0;
    if (u_ring_spacing > 0.0) {
        float u = v_x / u_ring_spacing;
        float d = abs(fract(u + 0.5) - 0.5);                      // distance to the nearest ring
        float w = max(fwidth(u), 1e-6);
        ring = (1.0 - smoothstep(0.5 * w, 1.5 * w, d)) * (0.35 + 0.65 * c);
    }
    alpha = clamp(alpha + u_ring_alpha * ring, 0.0, 1.0) * u_color.a;
    // the faces are wound outward: the far (inner) side of a closed shell shows fainter
    if (!gl_FrontFacing)
        alpha *= u_back_factor;
    // a little headlight shading and a pale sheen on the rim
    vec3 rgb = u_color.rgb * (0.70 + 0.30 * c) + 0.22 * rim * vec3(1.0) + 0.25 * ring * vec3(1.0);
    gl_FragColor = vec4(clamp(rgb, 0.0, 1.0), alpha);
}
