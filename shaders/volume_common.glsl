// Shared pieces of smile_viewer._vispy.visuals.volume.EmissionVolumeVisual, a subclass of
// vispy's VolumeVisual. This file is cut into sections at the "//! section:" lines; each
// section fills one hole of vispy's volume fragment-shader template.
//
// Coordinates: the visual's own ("voxel") coordinates put node (i, j, k) of the (nz, ny, nx)
// grid at (i, j, k); the node's transform takes them to R_E in the volume's frame
// (x = x0 + i dx, ...) and on to the scene frame. vispy draws the box [-0.5, n-0.5]^3; the
// grid (like smile_viewer.physics.volume.Volume.sample) has values only on [0, n-1]^3 and is
// zero outside, so the rays are clipped to that box here.

//! section: uniforms
uniform vec3 u_origin_re;       // R_E position of node (0, 0, 0) in the volume's frame
uniform vec3 u_spacing_re;      // (dx, dy, dz) in R_E
uniform float u_occult_radius;  // rays stop at this geocentric distance (1 R_E: the Earth); 0: off
uniform float u_log_offset;     // log10 of the factor from the texture's sums to physical units
uniform vec2 u_log_range;       // log10 of the values mapped to the ends of the colour map
uniform float u_opacity;        // layer opacity (multiplies the emitted colour)
uniform float u_iso_level;      // colour-map level of the isosurface
uniform float u_jitter;         // 1: sample at a random point of each step (noise, not bands); 0: midpoints
uniform float u_glow_power;     // emitted colour * level^power: 0 = the plain colour map (a
                                // synthetic image); 1 = faint gas fades out (a glow in 3-D)

//! section: raycasting_setup
    // The fragment lies on a face of vispy's box at v_position. Its ray runs from the eye
    // (the near plane) to v_position: p(t) = v_position + t * view_ray, t <= 0. A front face
    // gives an empty piece and is discarded, so each pixel is integrated exactly once.
    vec3 r = view_ray;
    r.x = (abs(r.x) < 1e-6) ? 1e-6 : r.x;
    r.y = (abs(r.y) < 1e-6) ? 1e-6 : r.y;
    r.z = (abs(r.z) < 1e-6) ? 1e-6 : r.z;
    vec3 ta = (vec3(0.0) - v_position) / r;
    vec3 tb = (u_shape - vec3(1.0) - v_position) / r;
    vec3 tlo = min(ta, tb);
    vec3 thi = max(ta, tb);
    float t_enter = max(max(tlo.x, tlo.y), tlo.z);
    float t_exit = min(min(min(thi.x, thi.y), thi.z), 0.0);
    t_enter = max(t_enter, dot(nearpos - v_position, view_ray));   // not behind the eye

    // Earth occultation: solve |P(t)| = R for P in R_E (anisotropic spacing is exact here).
    if (u_occult_radius > 0.0) {
        vec3 A = u_origin_re + v_position * u_spacing_re;
        vec3 B = view_ray * u_spacing_re;
        float qa = dot(B, B);
        float qb = dot(A, B);
        float qc = dot(A, A) - u_occult_radius * u_occult_radius;
        float disc = qb * qb - qa * qc;
        if (disc > 0.0) {
            float sq = sqrt(disc);
            float t0 = (-qb - sq) / qa;
            float t1 = (-qb + sq) / qa;
            if (t0 > t_enter) {
                t_exit = min(t_exit, t0);           // the ray meets the Earth: stop there
            } else if (t1 > t_enter) {
                t_enter = t1;                       // the eye is inside the Earth
            }
        }
    }
    float seg = t_exit - t_enter;
    if (seg <= 1e-4)
        discard;
    int nsteps = int(ceil(seg / u_relative_step_size));
    nsteps = max(nsteps, 1);
    float dt = seg / float(nsteps);
    vec3 step_vox = view_ray * dt;
    // midpoint rule (samples at the centres of the nsteps pieces), or with u_jitter one
    // random offset per pixel (stratified sampling: long steps give fine noise, not bands)
    float offset = 0.5;
    if (u_jitter > 0.0)
        offset = fract(sin(dot(gl_FragCoord.xy, vec2(12.9898, 78.233))) * 43758.5453);
    vec3 first = v_position + (t_enter + offset * dt) * view_ray;
    vec3 start_loc = (first + 0.5) / u_shape;
    vec3 step = step_vox / u_shape;
    float ds_re = length(step_vox * u_spacing_re);       // path length per step, R_E
    frag_depth_point = v_position + t_enter * view_ray;
