"""How far a fit can be trusted: the C-stat goodness of fit and the flags of a poor or degenerate fit.

:func:`cstat_expectation` gives the expected C-stat and its variance for Poisson counts of
known means (Kaastra 2017, A&A 605, A51, eqs. 4–6); :func:`assess_fit` turns a finished fit
into :class:`FitFlag` s and the widened error of the subsolar magnetopause distance. The
thresholds and the widening rules: docs/analysis.md#fit-start-and-quality and :func:`assess_fit`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import gammaln

__all__ = [
    "FLAT_DELTA_C",
    "LIMB_THETA_MAX_DEG",
    "MINIMUM_DELTA_C",
    "PRECISION_RE",
    "S_UNRELIABLE",
    "Z_POOR",
    "FitFlag",
    "FitQuality",
    "assess_fit",
    "cstat_expectation",
    "cstat_test",
    "point_in_field",
    "seen_nose_angle_deg",
]

#: |z| of the C-stat above which a fit is flagged (z = (C − E[C]) / sd[C]): 3 sd, a one-sided
#: false-alarm rate of 0.13 % for a correct model (Kaastra 2017 shows C is close to normal
#: for spectra with ≳ 30 counts; an SXI image holds thousands).
Z_POOR = 3.0
#: A scan profile whose ΔC over the whole scanned range stays below this (2 sd for one
#: parameter) cannot tell any two magnetopause positions apart: "flat".
FLAT_DELTA_C = 4.0
#: A poor fit whose error scale S = sqrt(C / E[C]) reaches this is unreliable, not only widened:
#: the misfit then outweighs the Poisson noise three times over (C ≥ 4 E[C]), so the best fit is
#: biased by whatever the model lacks, by more than any widened error says.
S_UNRELIABLE = 2.0
#: A reported 1-σ subsolar error above this [R_E] is flagged ``imprecise``: the 2-σ interval is
#: wider than ±0.3 R_E (about the published 5-minute accuracy, 0.2 R_E RMS, Samsonov et al. 2024).
PRECISION_RE = 0.15
#: A second local minimum within this ΔC (2 sd, times the error scale²) is flagged.
MINIMUM_DELTA_C = 4.0

#: The magnetopause is in the field when a used ray enters or grazes it this close to the nose
#: (θ from +X), or the subsolar point itself is in a used bin: beyond 60° the subsolar distance rests on the model's
#: flaring (Shue-type r ∝ (2/(1+cos θ))^α: an error of 0.1 in α moves r0 by 3 % from θ = 60°,
#: 0.3 R_E at 10 R_E; by 7 % from θ = 90°).
LIMB_THETA_MAX_DEG = 60.0
#: Distances [R_E] from the spacecraft sampled along each ray for the limb.
_LIMB_SAMPLES_RE = np.arange(0.1, 45.0, 0.2)

#: Above this mean, Kaastra's (2017) closed-form approximations (his Sect. 3; error below
#: 1e-4 there) replace the exact Poisson sums.
_MU_EXACT_MAX = 50.0


def cstat_expectation(mu) -> tuple[np.ndarray, np.ndarray]:
    """Expected value and variance of the C-stat contribution 2 (μ − d + d ln(d/μ)) of one bin
    whose counts d are Poisson with mean ``mu`` (Kaastra 2017, eqs. 4–6).

    Exact sums over d for μ ≤ 50; above, Kaastra's approximations
    C_e = 1 + 0.1649/μ + 0.226/μ² and C_v = 2 + 0.6747/μ + 0.79/μ² + 12/μ³ (his Sect. 3).
    μ ≤ 0 (or not finite) gives 0 and 0. Returns arrays of ``mu``'s shape.
    """
    m = np.asarray(mu, dtype=float)
    flat = m.ravel()
    ce = np.zeros(flat.shape)
    cv = np.zeros(flat.shape)
    ok = np.isfinite(flat) & (flat > 0)
    big = ok & (flat > _MU_EXACT_MAX)
    if big.any():
        u = flat[big]
        ce[big] = 1.0 + 0.1649 / u + 0.226 / u**2
        cv[big] = 2.0 + 0.6747 / u + 0.79 / u**2 + 12.0 / u**3
    small = ok & ~big
    if small.any():
        u = flat[small][:, None]
        k_max = int(_MU_EXACT_MAX + 12.0 * math.sqrt(_MU_EXACT_MAX) + 40.0)
        k = np.arange(k_max + 1, dtype=float)[None, :]
        logp = -u + k * np.log(u) - gammaln(k + 1.0)
        p = np.exp(logp)
        with np.errstate(divide="ignore", invalid="ignore"):
            klog = np.where(k > 0, k * np.log(np.where(k > 0, k, 1.0) / u), 0.0)
        c = 2.0 * (u - k + klog)
        e1 = np.sum(p * c, axis=1)
        e2 = np.sum(p * c * c, axis=1)
        ce[small] = e1
        cv[small] = np.maximum(e2 - e1 * e1, 0.0)
    return ce.reshape(m.shape), cv.reshape(m.shape)


@dataclass(frozen=True)
class CstatTest:
    """The C-stat of a fit against its expectation: ``value``, ``expected`` (Σ C_e − p),
    ``sigma`` (sqrt Σ C_v), ``z`` = (value − expected) / sigma, ``n_bins``, ``n_free``."""

    value: float
    expected: float
    sigma: float
    z: float
    n_bins: int
    n_free: int

    @property
    def per_dof(self) -> float:
        dof = self.n_bins - self.n_free
        return self.value / dof if dof > 0 else math.nan


def cstat_test(cstat_value: float, expected_counts, mask, n_free: int) -> CstatTest:
    """Compare a fit's C-stat with Kaastra's (2017) expectation for its expected counts per bin.

    The expectation of the *fitted* minimum is Σ C_e(μ_i) − p for p free parameters: the
    parameters absorb part of the noise, as for χ² (N − p; C-stat → χ² for many counts).
    """
    mu = np.asarray(expected_counts, dtype=float)[np.asarray(mask, dtype=bool)]
    ce, cv = cstat_expectation(mu)
    expected = float(ce.sum()) - int(n_free)
    sigma = math.sqrt(float(cv.sum())) if cv.sum() > 0 else math.nan
    z = (float(cstat_value) - expected) / sigma if sigma and math.isfinite(sigma) else math.nan
    return CstatTest(float(cstat_value), expected, sigma, z, int(mu.size), int(n_free))


@dataclass(frozen=True)
class FitFlag:
    """One reason to doubt a fit: ``code`` (``poor_fit``, ``cstat_low``, ``at_bound``,
    ``outside_field``, ``flat_profile``, ``multiple_minima``, ``not_converged``), ``severity``
    ("warning": the value stands, with the widened error; "unreliable": do not use the value
    without looking at the image), ``message`` (one line for people)."""

    code: str
    severity: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "severity": self.severity, "message": self.message}


@dataclass
class FitQuality:
    """Flags, the C-stat test and the widened subsolar error (:func:`assess_fit`)."""

    flags: list[FitFlag] = field(default_factory=list)
    cstat: CstatTest | None = None
    error_scale: float = 1.0
    subsolar_err_stat_re: float = math.nan
    subsolar_err_re: float = math.nan
    widening: list[str] = field(default_factory=list)
    subsolar_in_field: bool | None = None
    subsolar_offset_deg: float = math.nan
    seen_theta_deg: float = math.nan

    @property
    def reliable(self) -> bool:
        return not any(f.severity == "unreliable" for f in self.flags)

    def codes(self) -> list[str]:
        return [f.code for f in self.flags]

    def to_dict(self) -> dict[str, Any]:
        c = self.cstat
        return {
            "reliable": self.reliable,
            "flags": [f.to_dict() for f in self.flags],
            "cstat_expected": c.expected if c else None,
            "cstat_sigma": c.sigma if c else None,
            "cstat_z": c.z if c else None,
            "cstat_per_dof": c.per_dof if c else None,
            "cstat_reference": "Kaastra 2017, A&A 605, A51 (eqs. 4-6), minus the number of free parameters",
            "poor_fit_threshold_z": Z_POOR,
            "error_scale": self.error_scale,
            "subsolar_err_stat_re": self.subsolar_err_stat_re,
            "subsolar_err_re": self.subsolar_err_re,
            "error_widening": list(self.widening),
            "subsolar_in_field": self.subsolar_in_field,
            "subsolar_offset_deg": self.subsolar_offset_deg,
            "seen_theta_deg": self.seen_theta_deg,
        }


def point_in_field(forward, point, *, frame: str = "gse") -> tuple[bool, float]:
    """Whether ``point`` [R_E, in the camera's frame] is seen in a used bin of ``forward``
    (a :class:`~smile_viewer.analysis.fitting.ForwardModel`), and the angle [deg] from its
    direction to the nearest used bin's centre. In the field = within 0.75 × the larger bin
    side of a used bin's centre: inside the used area or on its edge."""
    cam = forward.camera
    if str(getattr(cam, "frame", frame)).lower() != frame.lower():
        raise ValueError(f"camera frame {cam.frame} differs from {frame}")
    rays = np.asarray(forward.sample_camera.ray_directions(), dtype=float)
    nby, nbx = forward.shape
    o = forward.oversample
    centres = rays.reshape(nby, o, nbx, o, 3).mean(axis=(1, 3))
    centres /= np.linalg.norm(centres, axis=-1, keepdims=True)
    used = centres[np.asarray(forward.mask, dtype=bool)]
    d = np.asarray(point, dtype=float) - np.asarray(cam.position_re, dtype=float)
    d = d / np.linalg.norm(d)
    ang = np.degrees(np.arccos(np.clip(used @ d, -1.0, 1.0)))
    nearest = float(ang.min()) if ang.size else math.inf
    return nearest <= 0.75 * max(forward.bin_deg), nearest


def seen_nose_angle_deg(position_re, directions, used, magnetopause_r) -> float:
    """θ [deg from +X] of the magnetopause point nearest the nose that the ``used`` bins see.

    ``directions`` (ny, nx, 3): the bins' central rays from ``position_re``, in the frame of the
    model whose ``magnetopause_r(theta, phi)`` [R_E] is given, sampled every 0.2 R_E to 45 R_E.
    A ray sees the surface where it enters the magnetopause (or the Earth; not when it starts
    inside) — viewed from high above, SXI looks through the dayside magnetopause rather than
    at its limb — and where it grazes it: a ray that misses beside a used neighbour that
    enters, at its point closest to the surface (the limb). NaN when no used ray does either.
    """
    d = np.asarray(directions, dtype=float)
    d = d / np.linalg.norm(d, axis=-1, keepdims=True)
    pos = np.asarray(position_re, dtype=float).reshape(3)
    pts = pos + _LIMB_SAMPLES_RE[None, None, :, None] * d[:, :, None, :]
    x, y, z = pts[..., 0], pts[..., 1], pts[..., 2]
    r = np.sqrt(x * x + y * y + z * z)
    theta = np.arccos(np.clip(x / np.maximum(r, 1e-12), -1.0, 1.0))
    with np.errstate(invalid="ignore", over="ignore"):
        gap = r - np.asarray(magnetopause_r(theta, np.arctan2(z, y)), dtype=float)
    gap = np.where(np.isnan(gap), np.inf, gap)
    inside = (gap < 0) | (r < 1.0)
    hits = inside.any(axis=-1)
    first = np.argmax(inside, axis=-1)
    used = np.asarray(used, dtype=bool)
    enters = used & hits & (first > 0)
    theta_in = np.take_along_axis(theta, first[..., None], axis=-1)[..., 0]
    k = np.argmin(gap, axis=-1)
    theta_t = np.take_along_axis(theta, k[..., None], axis=-1)[..., 0]
    limb = np.zeros(used.shape, dtype=bool)
    for a, b in (
        ((slice(None), slice(1, None)), (slice(None), slice(None, -1))),
        ((slice(1, None), slice(None)), (slice(None, -1), slice(None))),
    ):
        pair = used[a] & used[b] & (hits[a] != hits[b])
        limb[a] |= pair & ~hits[a]
        limb[b] |= pair & ~hits[b]
    seen = np.concatenate([theta_in[enters], theta_t[limb]])
    return float(np.degrees(seen.min())) if seen.size else math.nan


def _at_bound(value: float, bounds: tuple[float, float], scale: float) -> str | None:
    lo, hi = bounds
    tol = 1e-3 * scale
    if math.isfinite(lo) and value - lo <= tol:
        return "lower"
    if math.isfinite(hi) and hi - value <= tol:
        return "upper"
    return None


def assess_fit(
    *,
    cstat_value: float,
    expected_counts,
    mask,
    free: Sequence[str],
    best: Mapping[str, float],
    bounds: Mapping[str, tuple[float, float]],
    scales: Sequence[float],
    subsolar_re: float,
    subsolar_err_re: float,
    size_param: str | None,
    scan=None,
    other_minima=(),
    in_field: tuple[bool, float, float] | None = None,
    converged: bool = True,
    message: str = "",
    errors_computed: bool = True,
) -> FitQuality:
    """Flags and the reported (widened) subsolar error of a finished fit.

    Flags (``FitFlag.code``, severity):

    - ``poor_fit`` (warning; unreliable when S ≥ :data:`S_UNRELIABLE`): C-stat z > :data:`Z_POOR`
      — the model does not describe the counts to within Poisson noise; all errors are
      multiplied by S = sqrt(C / E[C]) (the Birge ratio / PDG scale factor with Kaastra's
      expectation in place of the dof);
    - ``cstat_low`` (warning): z < −:data:`Z_POOR` — the counts scatter less than Poisson
      noise (noise-free simulation, smoothed data or an over-estimated background): the
      errors, which assume Poisson counts, are then too large rather than too small;
    - ``at_bound`` (unreliable): a free parameter ended on its bound — the optimum may lie
      beyond it; the value is a limit;
    - ``outside_field`` (unreliable): neither the fitted subsolar point nor any magnetopause
      point within :data:`LIMB_THETA_MAX_DEG` of the nose is seen by a used bin
      (:func:`seen_nose_angle_deg`) — the distance is extrapolated with the model's flaring;
    - ``flat_profile`` (unreliable): the start scan's C changes by less than
      :data:`FLAT_DELTA_C` over the whole scanned range of magnetopause positions, or the
      curvature of C along the size parameter is not positive (no error from the Hessian);
    - ``multiple_minima`` (unreliable when within ΔC ≤ S², else warning): a second local
      fit ended at another magnetopause position (> 2 statistical errors and > 0.1 R_E away)
      with ΔC < :data:`MINIMUM_DELTA_C` S²;
    - ``not_converged`` (warning): the optimiser stopped before its tolerances;
    - ``imprecise`` (warning): the reported subsolar error exceeds :data:`PRECISION_RE` — the
      image cannot place the magnetopause to ±0.3 R_E (2 σ).

    The reported error = max(S × the statistical error, the largest distance from the best
    fit to a scanned magnetopause position or another local minimum with ΔC ≤ S²), so it
    covers every position the data cannot exclude at ΔC = 1 (scaled by S²); when the
    statistical error is unknown, the latter alone (or NaN). ``errors_computed``: False when
    no statistical error was asked for (no ``flat_profile`` flag from the curvature then).
    """
    q = FitQuality(subsolar_err_stat_re=float(subsolar_err_re))
    n_free = len(free)
    ct = cstat_test(cstat_value, expected_counts, mask, n_free)
    q.cstat = ct
    s = 1.0
    if math.isfinite(ct.z) and ct.z > Z_POOR:
        s = math.sqrt(ct.value / ct.expected) if ct.expected > 0 else 1.0
        s = max(s, 1.0)
        q.flags.append(
            FitFlag(
                "poor_fit",
                "unreliable" if s >= S_UNRELIABLE else "warning",
                f"C-stat {ct.value:.1f} against {ct.expected:.1f} ± {ct.sigma:.1f} expected for "
                f"Poisson counts (z = {ct.z:.1f} > {Z_POOR:g}): the model does not describe the "
                f"image to within the noise; errors × {s:.2f}",
            )
        )
    elif math.isfinite(ct.z) and ct.z < -Z_POOR:
        q.flags.append(
            FitFlag(
                "cstat_low",
                "warning",
                f"C-stat {ct.value:.1f} far below the {ct.expected:.1f} ± {ct.sigma:.1f} expected for "
                f"Poisson counts (z = {ct.z:.1f}): the counts are not Poisson draws of the model "
                "(noise-free or smoothed?); the errors assume Poisson counts",
            )
        )
    q.error_scale = s
    if not converged:
        q.flags.append(FitFlag("not_converged", "warning", f"the optimiser did not converge: {message}"))
    for i, n in enumerate(free):
        side = _at_bound(float(best[n]), tuple(bounds[n]), float(scales[i]))
        if side is not None:
            q.flags.append(
                FitFlag(
                    "at_bound",
                    "unreliable",
                    f"{n} = {best[n]:.4g} is at its {side} bound {bounds[n][0 if side == 'lower' else 1]:g}: "
                    "the optimum may lie beyond it (the value is a limit)",
                )
            )
    if in_field is not None:
        q.subsolar_in_field, q.subsolar_offset_deg = bool(in_field[0]), float(in_field[1])
        q.seen_theta_deg = float(in_field[2])
        limb_seen = math.isfinite(q.seen_theta_deg) and q.seen_theta_deg <= LIMB_THETA_MAX_DEG
        if not in_field[0] and not limb_seen:
            where = (
                f"the fitted bins see the magnetopause only from {q.seen_theta_deg:.0f}° off the nose"
                if math.isfinite(q.seen_theta_deg)
                else "no fitted bin sees the magnetopause"
            )
            q.flags.append(
                FitFlag(
                    "outside_field",
                    "unreliable",
                    f"the fitted subsolar magnetopause ({subsolar_re:.2f} R_E) is {in_field[1]:.1f}° "
                    f"outside the fitted bins and {where}: the distance is extrapolated with the "
                    "model's flaring",
                )
            )

    err = float(subsolar_err_re) * s if math.isfinite(subsolar_err_re) else math.nan
    if math.isfinite(err):
        if s > 1.0 and subsolar_err_re > 0:
            q.widening.append(f"statistical error {subsolar_err_re:.3g} R_E × S = {s:.3f} (poor fit)")
    elif size_param is not None and errors_computed:
        q.flags.append(
            FitFlag(
                "flat_profile",
                "unreliable",
                f"C has no curvature along {size_param} at the best fit: no statistical error",
            )
        )
    threshold = s * s
    reach, why = 0.0, ""
    if scan is not None:
        dc = np.asarray(scan.costs, dtype=float) - float(np.min(scan.costs))
        if scan.delta_c_range < FLAT_DELTA_C and not any(f.code == "flat_profile" for f in q.flags):
            q.flags.append(
                FitFlag(
                    "flat_profile",
                    "unreliable",
                    f"C changes by only {scan.delta_c_range:.2f} over the magnetopause positions "
                    f"{min(scan.subsolar_re):.1f}–{max(scan.subsolar_re):.1f} R_E: the image does not "
                    "locate the magnetopause",
                )
            )
        near = np.asarray(scan.subsolar_re, dtype=float)[dc <= threshold]
        if near.size > 1:
            r = float(np.max(np.abs(near - subsolar_re)))
            if r > reach:
                reach, why = (
                    r,
                    (
                        f"start scan: magnetopause positions within ΔC ≤ {threshold:.2f} reach "
                        f"{r:.2f} R_E from the best fit"
                    ),
                )
    stat = err if math.isfinite(err) else 0.0
    for sub_alt, dc_alt in other_minima:
        sep = abs(float(sub_alt) - subsolar_re)
        if sep <= max(2.0 * stat, 0.1) or dc_alt >= MINIMUM_DELTA_C * threshold:
            continue
        sev = "unreliable" if dc_alt <= threshold else "warning"
        q.flags.append(
            FitFlag(
                "multiple_minima",
                sev,
                f"another local minimum at {sub_alt:.2f} R_E fits almost as well (ΔC = {dc_alt:.2f})",
            )
        )
        if dc_alt <= threshold and sep > reach:
            reach, why = sep, f"a second minimum {sep:.2f} R_E away with ΔC = {dc_alt:.2f} ≤ {threshold:.2f}"
    if reach > 0 and (not math.isfinite(err) or reach > err):
        err = reach
        q.widening.append(why)
    q.subsolar_err_re = err
    if math.isfinite(err) and err > PRECISION_RE:
        q.flags.append(
            FitFlag(
                "imprecise",
                "warning",
                f"the subsolar distance is known to ± {err:.2f} R_E (1 σ): not to 0.3 R_E (2 σ)",
            )
        )
    return q
