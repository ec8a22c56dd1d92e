// Maximum-intensity rendering method of smile_viewer._vispy.visuals.volume.EmissionVolumeVisual
// with a logarithmic colour map: the largest emissivity along the ray (inside the grid, up to
// the Earth), coloured at (log10 P - lo) / (hi - lo); u_log_offset = log10(P_max) since the
// texture holds P / P_max. Sections fill vispy's $before_loop, $in_loop and $after_loop.

//! section: before_loop
        float maxval = 0.0;
        int maxi = -1;

//! section: in_loop
        if (val > maxval) {
            maxval = val;
            maxi = iter;
        }

//! section: after_loop
        if (maxi < 0 || maxval <= 0.0)
            discard;
        frag_depth_point = (start_loc + step * float(maxi)) * u_shape - 0.5;
        float log_p = log(maxval) / log(10.0) + u_log_offset;
        float level = clamp((log_p - u_log_range.x) / (u_log_range.y - u_log_range.x), 0.0, 1.0);
        if (level <= 0.0)
            discard;
        vec4 mipcolor = $cmap(level);
        gl_FragColor = vec4(mipcolor.rgb * pow(level, u_glow_power), u_opacity);
