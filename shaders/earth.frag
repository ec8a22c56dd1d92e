// Earth sphere: Blue Marble texture, day/night shading from the Sun direction, a thin
// atmospheric rim. All vectors are in GEO.
uniform sampler2D u_texture;
uniform vec2 u_texture_size;    // texels (width, height)
uniform vec3 u_sun_geo;         // unit vector towards the Sun, GEO
uniform float u_day_night;      // 1: darken the night side, 0: uniformly lit
uniform float u_night_level;    // brightness of the night side (0..1)
uniform float u_rim;            // strength of the atmospheric rim (0: none)

varying vec3 v_geo;
varying vec2 v_texcoord;
varying vec3 v_eye_geo;

// The texture has no mipmaps: average a 3x3 grid of bilinear taps spread over this
// pixel's footprint so that the minified Earth does not sparkle.
vec3 sample_footprint(vec2 uv) {
    vec2 texel = 1.0 / u_texture_size;
    vec2 fw = clamp(fwidth(uv), texel * 0.5, texel * 12.0) / 3.0;
    vec3 acc = vec3(0.0);
    for (int i = -1; i <= 1; i++) {
        for (int j = -1; j <= 1; j++) {
            vec2 p = uv + vec2(float(i) * fw.x, float(j) * fw.y);
            p.y = clamp(p.y, 0.5 * texel.y, 1.0 - 0.5 * texel.y);
            acc += texture2D(u_texture, p).rgb;
        }
    }
    return acc / 9.0;
}

void main() {
    vec3 n = normalize(v_geo);
    vec3 base = sample_footprint(v_texcoord);
    // The Blue Marble oceans are very dark on a black background: lift the shadows a little.
    base = pow(base, vec3(0.85)) * 1.08;

    float mu = dot(n, normalize(u_sun_geo));          // cosine of the solar zenith angle
    float day = smoothstep(-0.10, 0.10, mu);           // soft terminator (twilight band)
    vec3 lit = base * (0.62 + 0.48 * max(mu, 0.0));
    vec3 night = base * u_night_level + vec3(0.004, 0.010, 0.030);
    vec3 twilight = vec3(0.18, 0.07, 0.02) * (1.0 - abs(2.0 * day - 1.0)) * 0.6;
    vec3 shaded = mix(night, lit, day) + twilight;
    vec3 color = mix(base * 0.95, shaded, u_day_night);

    // Atmosphere: a blue rim towards the limb, brighter on the day side.
    float cos_view = abs(dot(n, normalize(v_eye_geo)));
    float rim = pow(1.0 - cos_view, 3.0);
    float rim_light = mix(1.0, 0.25 + 0.75 * day, u_day_night);
    color += u_rim * rim * rim_light * vec3(0.30, 0.55, 1.00);

    gl_FragColor = vec4(clamp(color, 0.0, 1.0), 1.0);
}
