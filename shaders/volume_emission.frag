// Emission rendering method of smile_viewer._vispy.visuals.volume.EmissionVolumeVisual:
// the line-of-sight integral of the emissivity along each view ray (not a blend), as a
// synthetic imager sees it: I = LOS_FACTOR * sum(P * ds) over the ray inside the grid, up
// to the Earth. The texture holds P / P_max; u_log_offset = log10(P_max * LOS_FACTOR), so
// log10(I) = log10(sum) + u_log_offset. The colour is the colour map at
// level = (log10 I - lo) / (hi - lo), added to what is behind (the gas emits, it does not
// absorb), times level^u_glow_power (0 in a view through an imager: the synthetic image).
// Sections (see volume_common.glsl) fill vispy's $before_loop, $in_loop and $after_loop.

//! section: before_loop
        float los_sum = 0.0;

//! section: in_loop
        los_sum += max(val, 0.0);

//! section: after_loop
        los_sum *= ds_re;
        if (los_sum <= 0.0)
            discard;
        float log_i = log(los_sum) / log(10.0) + u_log_offset;
        float level = clamp((log_i - u_log_range.x) / (u_log_range.y - u_log_range.x), 0.0, 1.0);
        if (level <= 0.0)
            discard;
        vec4 emitted = $cmap(level);
        gl_FragColor = vec4(emitted.rgb * pow(level, u_glow_power), u_opacity);
