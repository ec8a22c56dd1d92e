// Isosurface rendering method of smile_viewer._vispy.visuals.volume.EmissionVolumeVisual:
// the first point along the ray where the emissivity reaches u_threshold (a fraction of the
// largest value; the texture holds P / P_max), located between two samples by linear
// interpolation, shaded with a headlight from a smoothed gradient (central differences two
// voxels apart: the grid's trilinear steps do not show). One colour from the colour map
// (u_iso_level), translucent (0.65 x the layer opacity), depth-tested with the scene.
// Sections fill vispy's $before_loop, $in_loop and $after_loop.

//! section: before_loop
        float prev_val = -1.0;
        vec3 hit_loc = vec3(-1.0);

//! section: in_loop
        if (val >= u_threshold) {
            float f = 0.0;
            if (prev_val >= 0.0)
                f = clamp((u_threshold - prev_val) / max(val - prev_val, 1e-9), 0.0, 1.0);
            hit_loc = loc - step * (1.0 - f);
            iter = nsteps;
        }
        prev_val = val;

//! section: after_loop
        if (hit_loc.x < 0.0)
            discard;
        vec3 d = 2.0 / u_shape;
        vec3 grad = vec3(
            colorToVal($get_data(hit_loc + vec3(d.x, 0.0, 0.0))) - colorToVal($get_data(hit_loc - vec3(d.x, 0.0, 0.0))),
            colorToVal($get_data(hit_loc + vec3(0.0, d.y, 0.0))) - colorToVal($get_data(hit_loc - vec3(0.0, d.y, 0.0))),
            colorToVal($get_data(hit_loc + vec3(0.0, 0.0, d.z))) - colorToVal($get_data(hit_loc - vec3(0.0, 0.0, d.z))));
        // the gradient in R_E (anisotropic spacing) points up the emissivity: the surface's
        // normal faces down it, towards lower values
        vec3 n = -grad / u_spacing_re;
        float len_n = length(n);
        vec3 normal = len_n > 1e-12 ? n / len_n : -normalize(view_ray);
        vec3 to_eye = -normalize(view_ray * u_spacing_re);
        float lambert = abs(dot(normal, to_eye));
        float spec = pow(lambert, 24.0);
        vec4 base = $cmap(u_iso_level);
        vec3 rgb = base.rgb * (0.30 + 0.70 * lambert) + 0.25 * spec;
        frag_depth_point = hit_loc * u_shape - 0.5;
        gl_FragColor = vec4(clamp(rgb, 0.0, 1.0), 0.65 * u_opacity);  // what lies inside shows through
