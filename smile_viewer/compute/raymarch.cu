// raymarch.cu -- CUDA kernels of smile-viewer's `cuda` backend.
//
// Loaded at run time by smile_viewer/compute/_raymarch_cupy.py (cupy.RawModule, NVRTC) and
// checked with `nvcc -ptx` by tests/compute/test_cuda_source.py wherever nvcc exists. The
// same file also compiles as host C++ (with a small shim defining the CUDA built-ins), which
// the tests use to run these kernels on the CPU and compare them with the numba backend.
//
// It is a line-by-line port of
//   smile_viewer/compute/_raymarch_numba.py         the integration algorithm (its definition)
//   smile_viewer/physics/emissivity_kernels.py      Jorgensen, CMEM, exosphere, CMEM2 point functions
//   smile_viewer/physics/aurora/kernels.py          the auroral shell point function, segments
// with the parameter vectors laid out exactly as the models' to_array() / kernel_arrays()
// (documented in those modules). Everything is double precision except the sampled volume,
// which is a float32 3-D texture read with point filtering: the trilinear weights are
// computed here in double, because hardware linear filtering keeps only 8 bits of weight
// (errors ~4e-3 that would break the backends' 1e-5 agreement).
//
// Units: lengths in Earth radii; kernels return the integral over path length in R_E.

#ifndef SV_HOST_BUILD
typedef long long sv_int64;
#endif

#define SV_JORG 1
#define SV_CMEM 2
#define SV_EXO 3
#define SV_CMEM2 4
#define SV_SMOOTH_GROWTH 0.5
#define SV_SMOOTH_WIDTH 1.0
#define SV_SMOOTH_MIN_PANEL 1.0e-9
#define SV_SMOOTH_NEAR 20.0
#define SV_G_BIG 700.0
#define SV_MIN_STEP 1.0e-3
#define SV_CUSP_STEP 0.35
#define SV_GRAZE_NEAR 0.02
#define SV_MAX_CROSSINGS 32
#define SV_LN10 2.302585092994046
#define SV_LN2 0.6931471805599453
#define SV_PI 3.141592653589793

__device__ __forceinline__ double sv_inf() { return __longlong_as_double(0x7ff0000000000000LL); }
__device__ __forceinline__ double sv_min(double a, double b) { return a < b ? a : b; }
__device__ __forceinline__ double sv_max(double a, double b) { return a > b ? a : b; }

// ------------------------------------------------------------------------------------
// geometry of the Shue-type surfaces (emissivity_kernels._shue_geom, shue3d_radius, ...)
// ------------------------------------------------------------------------------------

// r, q = 2/(1+cos theta) (+inf on the -X axis), cos^2 phi, sin^2 phi, rho^2
__device__ void sv_shue_geom(double x, double y, double z, double* r, double* q, double* c2,
                             double* s2, double* rho2_out) {
    double y2 = y * y;
    double z2 = z * z;
    double rho2 = y2 + z2;
    double rr = sqrt(x * x + rho2);
    *rho2_out = rho2;
    if (rr == 0.0) {
        *r = 0.0; *q = 1.0; *c2 = 1.0; *s2 = 0.0;
        return;
    }
    *r = rr;
    if (x >= 0.0) {
        *q = 2.0 * rr / (rr + x);
    } else if (rho2 == 0.0) {
        *q = sv_inf();
    } else {
        *q = 2.0 * rr * (rr - x) / rho2;
    }
    if (rho2 > 0.0) {
        *c2 = y2 / rho2;
        *s2 = z2 / rho2;
    } else {
        *c2 = 1.0;
        *s2 = 0.0;
    }
}

__device__ double sv_shue3d_radius(double q, double c2, double s2, double r0, double ay, double az) {
    if (q == sv_inf()) return sv_inf();
    double lq = log(q);
    double ry = r0 * exp(ay * lq);
    if (az == ay) return ry;
    double rz = r0 * exp(az * lq);
    double w = c2 / (ry * ry) + s2 / (rz * rz);
    if (w <= 0.0) return sv_inf();
    return 1.0 / sqrt(w);
}

__device__ bool sv_shue_inside(double r, double lr, double q, double lq, double c2, double s2,
                               double r0, double log_r0, double ay, double az) {
    if (q == sv_inf()) return true;
    if (ay == az) return lr < log_r0 + ay * lq;
    return r < sv_shue3d_radius(q, c2, s2, r0, ay, az);
}

// (r, rho, cos theta, sin theta, cos phi, sin phi) as emissivity_kernels._direction
__device__ void sv_direction(double x, double y, double z, double* r, double* rho, double* ct,
                             double* st, double* cp, double* sp) {
    double rho2 = y * y + z * z;
    double rr = sqrt(x * x + rho2);
    double rh = sqrt(rho2);
    *r = rr; *rho = rh;
    if (rr == 0.0) {
        *r = 0.0; *rho = 0.0; *ct = 1.0; *st = 0.0; *cp = 1.0; *sp = 0.0;
        return;
    }
    *ct = x / rr;
    *st = rh / rr;
    if (rh == 0.0) {
        *cp = 1.0; *sp = 0.0;
    } else {
        *cp = y / rh; *sp = z / rh;
    }
}

// CMEM magnetopause: Lin et al. (2010) scaled (emissivity_kernels._lin_scaled_radius)
__device__ double sv_lin_scaled_radius(double theta, double ct, double st, double cphi, double sphi,
                                       const double* p) {
    double p0 = p[0], p1 = p[7], p2 = p[8], p3 = p[9];
    double r0 = p[16], b0 = p[17], b1 = p[18], b2 = p[19], b3 = p[20];
    double c = p[21], dn = p[22], ds = p[23], a5 = p[26], a21 = p[27];
    double base = cos(0.5 * theta) + a5 * sin(2.0 * theta) * (1.0 - exp(-theta));
    double expo = p1 * (b0 + b1 * cphi + b2 * sphi + b3 * sphi * sphi);
    double f;
    if (base > 0.0) {
        f = exp(expo * log(base));
    } else if (expo < 0.0) {
        f = sv_inf();
    } else if (expo == 0.0) {
        f = 1.0;
    } else {
        f = 0.0;
    }
    double cn = ct * p[28] + st * p[29] * sphi;
    double cs = ct * p[30] - st * p[31] * sphi;
    cn = sv_min(1.0, sv_max(-1.0, cn));
    cs = sv_min(1.0, sv_max(-1.0, cs));
    double psi_n = acos(cn);
    double psi_s = acos(cs);
    double q = p2 * c * exp(p3 * dn * pow(psi_n, a21)) + p2 * c * exp(p3 * ds * pow(psi_s, a21));
    return p0 * r0 * f + q;
}

__device__ double sv_cmem_magnetopause_r_xyz(double x, double y, double z, const double* p) {
    double r, rho, ct, st, cp, sp;
    sv_direction(x, y, z, &r, &rho, &ct, &st, &cp, &sp);
    return sv_lin_scaled_radius(atan2(rho, x), ct, st, cp, sp, p);
}

// ------------------------------------------------------------------------------------
// emissivity point functions (emissivity_kernels.jorgensen_point, cmem_point, exosphere_point)
// ------------------------------------------------------------------------------------

__device__ double sv_jorgensen_point(double x, double y, double z, const double* p) {
    double r, q, c2, s2, rho2;
    sv_shue_geom(x, y, z, &r, &q, &c2, &s2, &rho2);
    if (r == 0.0) return 0.0;
    double lr = log(r);
    double lq = log(q);
    if (sv_shue_inside(r, lr, q, lq, c2, s2, p[0], p[11], p[7], p[8])) return 0.0;
    if (sv_shue_inside(r, lr, q, lq, c2, s2, p[1], p[12], p[9], p[10])) {
        double st2 = rho2 / (r * r);
        double s4 = st2 * st2;
        return (p[2] + p[4] * (s4 * s4)) * exp((-p[5] - p[6] * st2) * (lr - SV_LN10));
    }
    double u = 10.0 / r;
    return p[3] * (u * u * u);
}

__device__ double sv_cmem_point(double x, double y, double z, const double* p) {
    double r, rho, ct, st, cp, sp;
    sv_direction(x, y, z, &r, &rho, &ct, &st, &cp, &sp);
    if (r == 0.0) return 0.0;
    double theta = atan2(rho, x);
    double rmp = sv_lin_scaled_radius(theta, ct, st, cp, sp, p);
    if (r < rmp) return 0.0;
    double r_, q, c2, s2, rho2;
    sv_shue_geom(x, y, z, &r_, &q, &c2, &s2, &rho2);
    double lr = log(r);
    if (sv_shue_inside(r, lr, q, log(q), c2, s2, p[1], p[32], p[10], p[11])) {
        double h2 = 0.25 * theta * theta;
        return p[2] * exp(-p[4] * (h2 * h2)) * exp((-p[5] - p[6] * (st * st)) * (lr - SV_LN10));
    }
    double u = 10.0 / r;
    return p[3] * (u * u * u);
}

// logistic 1 / (1 + exp(-t)) without overflow (emissivity_kernels.logistic)
__device__ double sv_logistic(double t) {
    if (t >= 0.0) return 1.0 / (1.0 + exp(-t));
    double e = exp(t);
    return e / (1.0 + e);
}

// CMEM2: CMEM's magnetopause and a Shue bow shock from r_mp0 + dr, logistic steps of steepness k
__device__ double sv_cmem2_point(double x, double y, double z, const double* p) {
    double r, rho, ct, st, cp, sp;
    sv_direction(x, y, z, &r, &rho, &ct, &st, &cp, &sp);
    if (r == 0.0) return 0.0;
    double theta = atan2(rho, x);
    double rmp = sv_lin_scaled_radius(theta, ct, st, cp, sp, p);
    double r_, q, c2, s2, rho2;
    sv_shue_geom(x, y, z, &r_, &q, &c2, &s2, &rho2);
    double rbs = sv_shue3d_radius(q, c2, s2, p[35], p[10], p[11]);
    double k = p[33];
    double s_mp = sv_logistic(k * (r - rmp));
    double s_in = sv_logistic(k * (rbs - r));
    double s_out = sv_logistic(k * (r - rbs));
    double u = 10.0 / r;
    double out = p[3] * (u * u * u) * s_out;
    double w = s_mp * s_in;
    if (w > 0.0) {
        double h2 = 0.25 * theta * theta;
        out += p[2] * exp(-p[4] * (h2 * h2) + (-p[5] - p[6] * (ct * ct)) * (log(r) - SV_LN10)) * w;
    }
    return out;
}

__device__ double sv_exosphere_point(double x, double y, double z, const double* p) {
    double r = sqrt(x * x + y * y + z * z);
    if (r < p[1] || r == 0.0) return 0.0;
    double u = 10.0 / r;
    return p[0] * (u * u * u);
}

__device__ double sv_emissivity_point(int model_id, double x, double y, double z, const double* p) {
    if (model_id == SV_JORG) return sv_jorgensen_point(x, y, z, p);
    if (model_id == SV_CMEM) return sv_cmem_point(x, y, z, p);
    if (model_id == SV_EXO) return sv_exosphere_point(x, y, z, p);
    if (model_id == SV_CMEM2) return sv_cmem2_point(x, y, z, p);
    return __longlong_as_double(0x7ff8000000000000LL);  // NaN
}

// sheath emissivity without region tests (_raymarch_numba.sheath_point)
__device__ double sv_sheath_point(int model_id, double x, double y, double z, const double* p) {
    double rho2 = y * y + z * z;
    double r2 = x * x + rho2;
    if (r2 == 0.0) return 0.0;
    double st2 = rho2 / r2;
    double lr = 0.5 * log(r2);
    if (model_id == SV_JORG) {
        double s4 = st2 * st2;
        return (p[2] + p[4] * (s4 * s4)) * exp((-p[5] - p[6] * st2) * (lr - SV_LN10));
    }
    if (model_id == SV_CMEM) {
        double theta = atan2(sqrt(rho2), x);
        double h2 = 0.25 * theta * theta;
        return p[2] * exp(-p[4] * (h2 * h2) + (-p[5] - p[6] * st2) * (lr - SV_LN10));
    }
    return 0.0;
}

// ------------------------------------------------------------------------------------
// boundary functions (_raymarch_numba.boundary_pair, boundary_one)
// ------------------------------------------------------------------------------------

__device__ __forceinline__ double sv_clamp_g(double g) {
    if (g != g) return SV_G_BIG;
    if (g > SV_G_BIG) return SV_G_BIG;
    if (g < -SV_G_BIG) return -SV_G_BIG;
    return g;
}

__device__ double sv_shue_ln_radius(double q, double lq, double c2, double s2, double r0, double ln_r0,
                                    double ay, double az) {
    if (q == sv_inf()) return sv_inf();
    if (ay == az) return ln_r0 + ay * lq;
    return log(sv_shue3d_radius(q, c2, s2, r0, ay, az));
}

__device__ void sv_boundary_pair(int model_id, double x, double y, double z, const double* p,
                                 double* gm, double* gb) {
    if (model_id == SV_EXO) {
        double r = sqrt(x * x + y * y + z * z);
        if (r == 0.0) {
            *gm = -SV_G_BIG; *gb = -SV_G_BIG;
            return;
        }
        double g = sv_clamp_g(log(r) - log(p[1]));
        *gm = g; *gb = g;
        return;
    }
    double r, q, c2, s2, rho2;
    sv_shue_geom(x, y, z, &r, &q, &c2, &s2, &rho2);
    if (r == 0.0) {
        *gm = -SV_G_BIG; *gb = -SV_G_BIG;
        return;
    }
    double lr = log(r);
    // ln q = ln 2 + ln r - ln(r + x) for x >= 0: two independent logarithms, no division
    double lq = x >= 0.0 ? SV_LN2 + lr - log(r + x) : log(q);
    if (model_id == SV_JORG) {
        *gm = sv_clamp_g(lr - sv_shue_ln_radius(q, lq, c2, s2, p[0], p[11], p[7], p[8]));
        *gb = sv_clamp_g(lr - sv_shue_ln_radius(q, lq, c2, s2, p[1], p[12], p[9], p[10]));
        return;
    }
    if (model_id == SV_CMEM || model_id == SV_CMEM2) {
        double rmp = sv_cmem_magnetopause_r_xyz(x, y, z, p);
        *gm = rmp > 0.0 ? sv_clamp_g(lr - log(rmp)) : SV_G_BIG;
        double r_bs = model_id == SV_CMEM ? p[1] : p[35];
        *gb = sv_clamp_g(lr - sv_shue_ln_radius(q, lq, c2, s2, r_bs, p[32], p[10], p[11]));
        return;
    }
    *gm = __longlong_as_double(0x7ff8000000000000LL);
    *gb = *gm;
}

__device__ double sv_boundary_one(int model_id, int which, double x, double y, double z, const double* p) {
    if (model_id == SV_CMEM || model_id == SV_CMEM2) {
        double r, q, c2, s2, rho2;
        sv_shue_geom(x, y, z, &r, &q, &c2, &s2, &rho2);
        if (r == 0.0) return -SV_G_BIG;
        double lr = log(r);
        if (which == 0) {
            double rmp = sv_cmem_magnetopause_r_xyz(x, y, z, p);
            return rmp > 0.0 ? sv_clamp_g(lr - log(rmp)) : SV_G_BIG;
        }
        double r_bs = model_id == SV_CMEM ? p[1] : p[35];
        return sv_clamp_g(lr - sv_shue_ln_radius(q, log(q), c2, s2, r_bs, p[32], p[10], p[11]));
    }
    double gm, gb;
    sv_boundary_pair(model_id, x, y, z, p, &gm, &gb);
    return which == 0 ? gm : gb;
}

__device__ double sv_wind_amplitude(int model_id, const double* p) {
    return model_id == SV_EXO ? p[0] : p[3];
}

__device__ __forceinline__ int sv_region(bool in_mp, bool in_bs) {
    if (in_mp) return 0;
    if (in_bs) return 1;
    return 2;
}

// ------------------------------------------------------------------------------------
// closed form of the integral of ds / r^3 (_raymarch_numba.inv_cube_integral)
// ------------------------------------------------------------------------------------

__device__ double sv_same_side(double u0, double u1, double r0, double r1) {
    if (u1 <= u0) return 0.0;
    return (u1 - u0) * (u1 + u0) / (r0 * r1 * (u1 * r0 + u0 * r1));
}

__device__ double sv_inv_cube_integral(double b, double h, double s0, double s1) {
    if (s1 <= s0) return 0.0;
    double u0 = s0 + b;
    double u1 = s1 + b;
    double total = 0.0;
    if (u1 > 0.0) {
        double a = sv_max(u0, 0.0);
        total += sv_same_side(a, u1, sqrt(a * a + h * h), sqrt(u1 * u1 + h * h));
    }
    if (u0 < 0.0) {
        double a = sv_max(-u1, 0.0);
        total += sv_same_side(a, -u0, sqrt(a * a + h * h), sqrt(u0 * u0 + h * h));
    }
    return total;
}

// ------------------------------------------------------------------------------------
// the adaptive integrator (_raymarch_numba: model_hints, _step, refine_root, _probe_graze,
// find_crossings, _sheath_integral, ray_adaptive)
// ------------------------------------------------------------------------------------

struct SvRay {
    double ox, oy, oz, dx, dy, dz;
};

__device__ void sv_model_hints(int model_id, const double* p, double* cos_zone, double* ang_step) {
    *cos_zone = 2.0;
    *ang_step = 1.0;
    if (model_id != SV_CMEM && model_id != SV_CMEM2) return;
    double k = sv_min(fabs(p[9] * p[22]), fabs(p[9] * p[23]));
    if (p[8] * p[21] == 0.0 || !(k > 0.0) || !(p[27] > 0.0)) return;
    double inv = 1.0 / p[27];
    double width = pow(SV_LN2 / k, inv);
    double zone = pow(7.0 / k, inv);
    *ang_step = SV_CUSP_STEP * width;
    *cos_zone = zone >= SV_PI ? -2.0 : cos(zone);
}

__device__ double sv_step(const SvRay& R, double s, double s_end, double frac, double max_step,
                          const double* p, double cos_zone, double ang_step) {
    double x = R.ox + s * R.dx;
    double y = R.oy + s * R.dy;
    double z = R.oz + s * R.dz;
    double r = sqrt(x * x + y * y + z * z);
    double h = frac * r;
    if (cos_zone < 1.0 && r > 0.0 && h > ang_step * r) {
        double rho = sqrt(y * y + z * z);
        double ct = x / r;
        double st = rho / r;
        double sp = rho > 0.0 ? z / rho : 0.0;
        if (ct * p[28] + st * p[29] * sp > cos_zone || ct * p[30] - st * p[31] * sp > cos_zone) {
            h = ang_step * r;
        }
    }
    if (h < SV_MIN_STEP) h = SV_MIN_STEP;
    if (h > max_step) h = max_step;
    double s1 = s + h;
    if (s1 >= s_end) s1 = s_end;
    return s1;
}

__device__ double sv_refine_root(int model_id, int which, const double* p, const SvRay& R, double a,
                                 double b, double ga, double gb, double tol, int* n_ev) {
    int side = 0;
    double c_prev = fabs(ga) < fabs(gb) ? a : b;
    for (int it = 0; it < 200; ++it) {
        double c = (a * gb - b * ga) / (gb - ga);
        if (!(c > a && c < b)) c = 0.5 * (a + b);
        if (fabs(c - c_prev) < tol || b - a <= tol) return c;
        double gc = sv_boundary_one(model_id, which, R.ox + c * R.dx, R.oy + c * R.dy, R.oz + c * R.dz, p);
        *n_ev += 1;
        if (gc == 0.0) return c;
        if ((gc < 0.0) == (ga < 0.0)) {
            if (side == -1) {
                double m = 1.0 - gc / ga;
                gb *= m > 0.0 ? m : 0.5;
            }
            a = c;
            ga = gc;
            side = -1;
        } else {
            if (side == 1) {
                double m = 1.0 - gc / gb;
                ga *= m > 0.0 ? m : 0.5;
            }
            b = c;
            gb = gc;
            side = 1;
        }
        c_prev = c;
    }
    return 0.5 * (a + b);
}

__device__ int sv_probe_graze(int model_id, int w, const double* p, const SvRay& R, double s0, double g0,
                              double s1, double g1, double s2, double g2, double tol, double* cross_s,
                              int* cross_w, int nc, int* n_ev, double near) {
    double sign = g1 >= 0.0 ? 1.0 : -1.0;
    for (int it = 0; it < 4; ++it) {
        double d1 = (g1 - g0) / (s1 - s0);
        double d2 = (g2 - g1) / (s2 - s1);
        double c = (d2 - d1) / (s2 - s0);
        if (!(c * sign > 0.0)) break;
        double sv = 0.5 * (s0 + s1) - d1 / (2.0 * c);
        double gv = g0 + d1 * (sv - s0) + c * (sv - s0) * (sv - s1);
        if (!(gv * sign < 0.5 * fabs(g1) || fabs(g1) < SV_GRAZE_NEAR)) break;
        double margin = 0.5 * tol;
        if (sv <= s0 + margin) sv = s0 + margin;
        if (sv >= s2 - margin) sv = s2 - margin;
        if (sv == s1 || !(s2 - s0 > 4.0 * tol)) break;
        double gp = sv_boundary_one(model_id, w, R.ox + sv * R.dx, R.oy + sv * R.dy, R.oz + sv * R.dz, p);
        *n_ev += 1;
        if ((gp < 0.0) != (sign < 0.0)) {
            double t0 = sv_refine_root(model_id, w, p, R, s0, sv, g0, gp, tol, n_ev);
            double t1 = sv_refine_root(model_id, w, p, R, sv, s2, gp, g2, tol, n_ev);
            int added = 0;
            if (nc + added < SV_MAX_CROSSINGS) {
                cross_s[nc + added] = t0;
                cross_w[nc + added] = w;
                added++;
            }
            if (nc + added < SV_MAX_CROSSINGS) {
                cross_s[nc + added] = t1;
                cross_w[nc + added] = w;
                added++;
            }
            return added;
        }
        if (sv < s1) {
            if (fabs(gp) < fabs(g1)) {
                s2 = s1; g2 = g1;
                s1 = sv; g1 = gp;
            } else {
                s0 = sv; g0 = gp;
            }
        } else {
            if (fabs(gp) < fabs(g1)) {
                s0 = s1; g0 = g1;
                s1 = sv; g1 = gp;
            } else {
                s2 = sv; g2 = gp;
            }
        }
    }
    if (near > 0.0 && nc < SV_MAX_CROSSINGS) {  // smooth model: a close approach is a breakpoint
        double x = R.ox + s1 * R.dx;
        double y = R.oy + s1 * R.dy;
        double z = R.oz + s1 * R.dz;
        if (sqrt(x * x + y * y + z * z) * fabs(g1) < near) {
            cross_s[nc] = s1;
            cross_w[nc] = 2;
            return 1;
        }
    }
    return 0;
}

// w [R_E], the shortest panel at a crossing of a smooth model; 0 for jumps (_raymarch_numba.smooth_width)
__device__ double sv_smooth_width(int model_id, const double* p) {
    return model_id == SV_CMEM2 ? SV_SMOOTH_WIDTH / p[33] : 0.0;
}

__device__ int sv_find_crossings(int model_id, const double* p, const SvRay& R, double s_end, double frac,
                                 double max_step, double tol, double cos_zone, double ang_step,
                                 double* cross_s, int* cross_w, bool* in_m0, bool* in_b0, int* n_ev) {
    double gm, gb;
    sv_boundary_pair(model_id, R.ox, R.oy, R.oz, p, &gm, &gb);
    *in_m0 = gm < 0.0;
    *in_b0 = gb < 0.0;
    *n_ev += 1;
    int nc = 0;
    double near = SV_SMOOTH_NEAR * sv_smooth_width(model_id, p);
    double sp = 0.0, gmp = 0.0, gbp = 0.0;
    bool cm_prev = true, cb_prev = true;
    double s = 0.0;
    while (s < s_end) {
        double s1 = sv_step(R, s, s_end, frac, max_step, p, cos_zone, ang_step);
        double gm1, gb1;
        sv_boundary_pair(model_id, R.ox + s1 * R.dx, R.oy + s1 * R.dy, R.oz + s1 * R.dz, p, &gm1, &gb1);
        *n_ev += 1;
        bool cm = (gm1 < 0.0) != (gm < 0.0);
        bool cb = (gb1 < 0.0) != (gb < 0.0);
        if (cm) {
            double t = sv_refine_root(model_id, 0, p, R, s, s1, gm, gm1, tol, n_ev);
            if (nc < SV_MAX_CROSSINGS) {
                cross_s[nc] = t;
                cross_w[nc] = 0;
                nc++;
            }
        } else if (!cm_prev && fabs(gm) < fabs(gmp) && fabs(gm) < fabs(gm1)) {
            nc += sv_probe_graze(model_id, 0, p, R, sp, gmp, s, gm, s1, gm1, tol, cross_s, cross_w, nc, n_ev, near);
        }
        if (cb) {
            double t = sv_refine_root(model_id, 1, p, R, s, s1, gb, gb1, tol, n_ev);
            if (nc < SV_MAX_CROSSINGS) {
                cross_s[nc] = t;
                cross_w[nc] = 1;
                nc++;
            }
        } else if (!cb_prev && fabs(gb) < fabs(gbp) && fabs(gb) < fabs(gb1)) {
            nc += sv_probe_graze(model_id, 1, p, R, sp, gbp, s, gb, s1, gb1, tol, cross_s, cross_w, nc, n_ev, near);
        }
        cm_prev = cm;
        cb_prev = cb;
        sp = s;
        gmp = gm;
        gbp = gb;
        s = s1;
        gm = gm1;
        gb = gb1;
    }
    for (int i = 1; i < nc; ++i) {  // insertion sort by position
        double t = cross_s[i];
        int w = cross_w[i];
        int j = i - 1;
        while (j >= 0 && cross_s[j] > t) {
            cross_s[j + 1] = cross_s[j];
            cross_w[j + 1] = cross_w[j];
            --j;
        }
        cross_s[j + 1] = t;
        cross_w[j + 1] = w;
    }
    return nc;
}

__device__ double sv_sheath_integral(int model_id, const double* p, const SvRay& R, double a, double b,
                                     double max_step, double frac, const double* glx, const double* glw,
                                     int ng, sv_int64* n_pt) {
    double total = 0.0;
    double s = a;
    while (s < b) {
        double s1 = sv_step(R, s, b, frac, max_step, p, 2.0, 1.0);
        double half = 0.5 * (s1 - s);
        double mid = 0.5 * (s1 + s);
        double acc = 0.0;
        for (int k = 0; k < ng; ++k) {
            double u = mid + half * glx[k];
            acc += glw[k] * sv_sheath_point(model_id, R.ox + u * R.dx, R.oy + u * R.dy, R.oz + u * R.dz, p);
        }
        total += acc * half;
        *n_pt += ng;
        s = s1;
    }
    return total;
}

// smooth models (_raymarch_numba._smooth_step, _smooth_integral, smooth_width)
__device__ double sv_smooth_step(const SvRay& R, double s, double a, double b, bool a_cross, bool b_cross,
                                 double frac, double max_step, const double* p, double w) {
    double s1 = sv_step(R, s, b, frac, max_step, p, 2.0, 1.0);
    double h = s1 - s;
    if (a_cross) h = sv_min(h, SV_SMOOTH_GROWTH * (s - a) + w);
    if (b_cross) h = sv_min(h, (SV_SMOOTH_GROWTH * (b - s) + w) / (1.0 + SV_SMOOTH_GROWTH));
    h = sv_max(h, SV_SMOOTH_MIN_PANEL);
    return sv_min(s + h, b);
}

__device__ double sv_smooth_integral(int model_id, const double* p, const SvRay& R, double a, double b,
                                     bool a_cross, bool b_cross, double max_step, double frac, double w,
                                     const double* glx, const double* glw, int ng, sv_int64* n_pt) {
    double total = 0.0;
    double s = a;
    while (s < b) {
        double s1 = sv_smooth_step(R, s, a, b, a_cross, b_cross, frac, max_step, p, w);
        double half = 0.5 * (s1 - s);
        double mid = 0.5 * (s1 + s);
        double acc = 0.0;
        for (int k = 0; k < ng; ++k) {
            double u = mid + half * glx[k];
            acc += glw[k] * sv_emissivity_point(model_id, R.ox + u * R.dx, R.oy + u * R.dy, R.oz + u * R.dz, p);
        }
        total += acc * half;
        *n_pt += ng;
        s = s1;
    }
    return total;
}

__device__ double sv_ray_adaptive(int model_id, const double* p, const SvRay& R, double s_end, double frac,
                                  double max_step, double tol, double cos_zone, double ang_step,
                                  const double* glx, const double* glw, int ng, sv_int64* n_pt, int* n_bd) {
    if (!(s_end > 0.0)) return 0.0;
    double cross_s[SV_MAX_CROSSINGS];
    int cross_w[SV_MAX_CROSSINGS];
    bool in_m, in_b;
    int nc = sv_find_crossings(model_id, p, R, s_end, frac, max_step, tol, cos_zone, ang_step, cross_s, cross_w,
                               &in_m, &in_b, n_bd);
    double w_smooth = sv_smooth_width(model_id, p);
    if (w_smooth > 0.0) {  // smooth model: every piece with the point function, panels graded at crossings
        double acc = 0.0;
        double a0 = 0.0;
        for (int ic = 0; ic <= nc; ++ic) {
            double t = ic < nc ? cross_s[ic] : s_end;
            if (t > s_end) t = s_end;
            if (t > a0) {
                acc += sv_smooth_integral(model_id, p, R, a0, t, ic > 0, ic < nc, max_step, frac, w_smooth, glx,
                                          glw, ng, n_pt);
                a0 = t;
            }
        }
        return acc;
    }
    double bdot = R.ox * R.dx + R.oy * R.dy + R.oz * R.dz;
    double px = R.ox - bdot * R.dx;
    double py = R.oy - bdot * R.dy;
    double pz = R.oz - bdot * R.dz;
    double h = sqrt(px * px + py * py + pz * pz);
    int reg = sv_region(in_m, in_b);
    double total = 0.0;
    double wind = 0.0;
    double a = 0.0;
    for (int ic = 0; ic <= nc; ++ic) {
        double t = ic < nc ? cross_s[ic] : s_end;
        if (t > s_end) t = s_end;
        if (t > a) {
            if (reg == 1) {
                total += sv_sheath_integral(model_id, p, R, a, t, max_step, frac, glx, glw, ng, n_pt);
            } else if (reg == 2) {
                wind += sv_inv_cube_integral(bdot, h, a, t);
            }
            a = t;
        }
        if (ic < nc) {
            if (cross_w[ic] == 0) {
                in_m = !in_m;
            } else {
                in_b = !in_b;
            }
            reg = sv_region(in_m, in_b);
        }
    }
    total += sv_wind_amplitude(model_id, p) * 1000.0 * wind;
    return total;
}

__device__ double sv_ray_trapezium(int model_id, const double* p, const SvRay& R, double s_end, double step,
                                   sv_int64* n_pt) {
    if (!(s_end > 0.0)) return 0.0;
    sv_int64 n = (sv_int64)(s_end / step);
    double f0 = sv_emissivity_point(model_id, R.ox, R.oy, R.oz, p);
    double acc = 0.0;
    for (sv_int64 k = 1; k <= n; ++k) {
        double s = k * step;
        double f1 = sv_emissivity_point(model_id, R.ox + s * R.dx, R.oy + s * R.dy, R.oz + s * R.dz, p);
        acc += 0.5 * step * (f0 + f1);
        f0 = f1;
    }
    *n_pt += n + 1;
    double rem = s_end - n * step;
    if (rem > 1e-9 * step) {
        double f1 = sv_emissivity_point(model_id, R.ox + s_end * R.dx, R.oy + s_end * R.dy, R.oz + s_end * R.dz, p);
        acc += 0.5 * rem * (f0 + f1);
        *n_pt += 1;
    }
    return acc;
}

// ------------------------------------------------------------------------------------
// sampled volumes (_raymarch_numba._trilinear_in, _slab, ray_volume)
// ------------------------------------------------------------------------------------

__device__ __forceinline__ double sv_fetch(cudaTextureObject_t tex, int i, int j, int k) {
    return (double)tex3D<float>(tex, (float)i + 0.5f, (float)j + 0.5f, (float)k + 0.5f);
}

__device__ double sv_trilinear_in(cudaTextureObject_t tex, int nx, int ny, int nz, double x0, double y0,
                                  double z0, double sx, double sy, double sz, double x, double y, double z) {
    double fx = (x - x0) / sx;
    double fy = (y - y0) / sy;
    double fz = (z - z0) / sz;
    fx = sv_min(sv_max(fx, 0.0), nx - 1.0);
    fy = sv_min(sv_max(fy, 0.0), ny - 1.0);
    fz = sv_min(sv_max(fz, 0.0), nz - 1.0);
    int i = (int)fx;
    int j = (int)fy;
    int k = (int)fz;
    if (i > nx - 2) i = nx - 2;
    if (j > ny - 2) j = ny - 2;
    if (k > nz - 2) k = nz - 2;
    double tx = fx - i;
    double ty = fy - j;
    double tz = fz - k;
    double c00 = sv_fetch(tex, i, j, k) * (1.0 - tx) + sv_fetch(tex, i + 1, j, k) * tx;
    double c01 = sv_fetch(tex, i, j + 1, k) * (1.0 - tx) + sv_fetch(tex, i + 1, j + 1, k) * tx;
    double c10 = sv_fetch(tex, i, j, k + 1) * (1.0 - tx) + sv_fetch(tex, i + 1, j, k + 1) * tx;
    double c11 = sv_fetch(tex, i, j + 1, k + 1) * (1.0 - tx) + sv_fetch(tex, i + 1, j + 1, k + 1) * tx;
    double c0 = c00 * (1.0 - ty) + c01 * ty;
    double c1 = c10 * (1.0 - ty) + c11 * ty;
    return c0 * (1.0 - tz) + c1 * tz;
}

__device__ void sv_slab(double o, double d, double lo, double hi, double* t0, double* t1) {
    if (d == 0.0) {
        if (o < lo || o > hi) {
            *t0 = 1.0;
            *t1 = 0.0;
        }
        return;
    }
    double ta = (lo - o) / d;
    double tb = (hi - o) / d;
    if (ta > tb) {
        double t = ta;
        ta = tb;
        tb = t;
    }
    *t0 = sv_max(*t0, ta);
    *t1 = sv_min(*t1, tb);
}

__device__ double sv_ray_volume(cudaTextureObject_t tex, int nx, int ny, int nz, double x0, double y0, double z0,
                                double sx, double sy, double sz, const SvRay& R, double s_end, double hmax,
                                sv_int64* n_pt) {
    double t0 = 0.0, t1 = s_end;
    sv_slab(R.ox, R.dx, x0, x0 + (nx - 1) * sx, &t0, &t1);
    sv_slab(R.oy, R.dy, y0, y0 + (ny - 1) * sy, &t0, &t1);
    sv_slab(R.oz, R.dz, z0, z0 + (nz - 1) * sz, &t0, &t1);
    if (!(t1 > t0)) return 0.0;
    double length = t1 - t0;
    sv_int64 m = 2 * (sv_int64)ceil(length / (2.0 * hmax));
    if (m < 2) m = 2;
    double hh = length / m;
    double acc = 0.0;
    for (sv_int64 k = 0; k <= m; ++k) {
        double s = k == m ? t1 : t0 + k * hh;
        double v = sv_trilinear_in(tex, nx, ny, nz, x0, y0, z0, sx, sy, sz, R.ox + s * R.dx, R.oy + s * R.dy,
                                   R.oz + s * R.dz);
        if (k == 0 || k == m) {
            acc += v;
        } else if (k % 2 == 1) {
            acc += 4.0 * v;
        } else {
            acc += 2.0 * v;
        }
    }
    *n_pt += m + 1;
    return acc * hh / 3.0;
}

// ------------------------------------------------------------------------------------
// the auroral shell (physics/aurora/kernels.py: grid_lookup, shell_weight,
// auroral_shell_point, shell_segments; _raymarch_numba.ray_aurora)
// ------------------------------------------------------------------------------------

__device__ double sv_grid_lookup(double mlat, double mlt, const double* p, const double* grid) {
    double mlat0 = p[15], dmlat = p[16];
    int nlat = (int)p[17];
    double mlt0 = p[18], dmlt = p[19];
    int nmlt = (int)p[20];
    double fi = (mlat - mlat0) / dmlat;
    int i0;
    double t;
    if (fi <= 0.0) {
        i0 = 0;
        t = 0.0;
    } else if (fi >= nlat - 1) {
        i0 = nlat - 2;
        t = 1.0;
    } else {
        i0 = (int)floor(fi);
        if (i0 > nlat - 2) i0 = nlat - 2;
        t = fi - i0;
    }
    double fj = (mlt - mlt0) / dmlt;
    fj = fj - nmlt * floor(fj / nmlt);
    int j0 = (int)floor(fj);
    double u = fj - j0;
    if (j0 >= nmlt) {
        j0 = 0;
        u = 0.0;
    }
    int j1 = j0 + 1;
    if (j1 >= nmlt) j1 = 0;
    int i1 = i0 + 1;
    return (1.0 - t) * ((1.0 - u) * grid[i0 * nmlt + j0] + u * grid[i0 * nmlt + j1]) +
           t * ((1.0 - u) * grid[i1 * nmlt + j0] + u * grid[i1 * nmlt + j1]);
}

__device__ double sv_shell_weight(double r, const double* p) {
    if (r < p[9] || r > p[10]) return 0.0;
    if (p[11] == 0.0) return p[14];
    double q = (r - p[12]) / p[13];
    return p[14] * exp(-0.5 * q * q);
}

__device__ double sv_auroral_shell_point(double x, double y, double z, const double* p, const double* grid) {
    double xs = p[0] * x + p[1] * y + p[2] * z;
    double ys = p[3] * x + p[4] * y + p[5] * z;
    double zs = p[6] * x + p[7] * y + p[8] * z;
    double rho = sqrt(xs * xs + ys * ys);
    double r = sqrt(rho * rho + zs * zs);
    double w = sv_shell_weight(r, p);
    if (w == 0.0) return 0.0;
    double mlat = atan2(zs, rho) * (180.0 / SV_PI);
    double mlt = 12.0 + atan2(ys, xs) * (12.0 / SV_PI);
    if (mlt >= 24.0) mlt -= 24.0;
    return w * sv_grid_lookup(mlat, mlt, p, grid);
}

__device__ void sv_sphere_chord(double b, double p2, double radius, double* enter, double* exit_) {
    double h2 = radius * radius - p2;
    if (h2 <= 0.0) {
        *enter = sv_inf();
        *exit_ = -sv_inf();
        return;
    }
    double h = sqrt(h2);
    *enter = -b - h;
    *exit_ = -b + h;
}

__device__ double sv_ray_aurora(const double* p, const double* grid, const SvRay& R, double s_end,
                                double max_step, const double* glx, const double* glw, int ng, sv_int64* n_pt) {
    if (!(s_end > 0.0)) return 0.0;
    double b = R.ox * R.dx + R.oy * R.dy + R.oz * R.dz;
    double o2 = R.ox * R.ox + R.oy * R.oy + R.oz * R.oz;
    double p2 = sv_max(o2 - b * b, 0.0);
    double oe, ox_, ie, ix;
    sv_sphere_chord(b, p2, p[10], &oe, &ox_);
    if (!(oe < ox_)) return 0.0;
    sv_sphere_chord(b, p2, p[9], &ie, &ix);
    double lo_[2], hi_[2];
    if (ie < ix) {
        lo_[0] = oe; hi_[0] = ie;
        lo_[1] = ix; hi_[1] = ox_;
    } else {
        lo_[0] = oe; hi_[0] = ox_;
        lo_[1] = sv_inf(); hi_[1] = -sv_inf();
    }
    double acc = 0.0;
    for (int piece = 0; piece < 2; ++piece) {
        double lo = sv_max(lo_[piece], 0.0);
        double hi = hi_[piece];
        if (!(lo < hi)) continue;
        if (hi > s_end) hi = s_end;
        if (!(hi > lo)) continue;
        sv_int64 m = (sv_int64)ceil((hi - lo) / max_step);
        if (m < 1) m = 1;
        double sub = (hi - lo) / m;
        for (sv_int64 j = 0; j < m; ++j) {
            double start = lo + j * sub;
            double part = 0.0;
            for (int k = 0; k < ng; ++k) {
                double s = start + sub * (0.5 * (glx[k] + 1.0));
                part += glw[k] * sv_auroral_shell_point(R.ox + s * R.dx, R.oy + s * R.dy, R.oz + s * R.dz, p, grid);
            }
            acc += part * (0.5 * sub);
            *n_pt += ng;
        }
    }
    return acc;
}

// ------------------------------------------------------------------------------------
// kernels: one thread per ray
// ------------------------------------------------------------------------------------

__device__ __forceinline__ SvRay sv_load_ray(const double* origin, const double* dirs, sv_int64 i) {
    SvRay R;
    R.ox = origin[0];
    R.oy = origin[1];
    R.oz = origin[2];
    R.dx = dirs[3 * i];
    R.dy = dirs[3 * i + 1];
    R.dz = dirs[3 * i + 2];
    return R;
}

extern "C" __global__ void sv_render_analytic(int model_id, const double* p, const double* origin,
                                              const double* dirs, const double* s_end, int n, double frac,
                                              double max_step, double tol, const double* glx, const double* glw,
                                              int ng, double* out, sv_int64* n_pt, sv_int64* n_bd) {
    sv_int64 i = (sv_int64)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    double cos_zone, ang_step;
    sv_model_hints(model_id, p, &cos_zone, &ang_step);
    SvRay R = sv_load_ray(origin, dirs, i);
    sv_int64 npt = 0;
    int nbd = 0;
    out[i] = sv_ray_adaptive(model_id, p, R, s_end[i], frac, max_step, tol, cos_zone, ang_step, glx, glw, ng,
                             &npt, &nbd);
    n_pt[i] = npt;
    n_bd[i] = nbd;
}

extern "C" __global__ void sv_render_trapezium(int model_id, const double* p, const double* origin,
                                               const double* dirs, const double* s_end, int n, double step,
                                               double* out, sv_int64* n_pt) {
    sv_int64 i = (sv_int64)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    SvRay R = sv_load_ray(origin, dirs, i);
    sv_int64 npt = 0;
    out[i] = sv_ray_trapezium(model_id, p, R, s_end[i], step, &npt);
    n_pt[i] = npt;
}

extern "C" __global__ void sv_render_volume(cudaTextureObject_t tex, int nx, int ny, int nz, double x0,
                                            double y0, double z0, double sx, double sy, double sz,
                                            const double* origin, const double* dirs, const double* s_end,
                                            int n, double hmax, double* out, sv_int64* n_pt) {
    sv_int64 i = (sv_int64)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    SvRay R = sv_load_ray(origin, dirs, i);
    sv_int64 npt = 0;
    out[i] = sv_ray_volume(tex, nx, ny, nz, x0, y0, z0, sx, sy, sz, R, s_end[i], hmax, &npt);
    n_pt[i] = npt;
}

extern "C" __global__ void sv_render_aurora(const double* p, const double* grid, const double* origin,
                                            const double* dirs, const double* s_end, int n, double max_step,
                                            const double* glx, const double* glw, int ng, double* out,
                                            sv_int64* n_pt) {
    sv_int64 i = (sv_int64)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    SvRay R = sv_load_ray(origin, dirs, i);
    sv_int64 npt = 0;
    out[i] = sv_ray_aurora(p, grid, R, s_end[i], max_step, glx, glw, ng, &npt);
    n_pt[i] = npt;
}
