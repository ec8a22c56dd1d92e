"""Subsolar magnetopause of an emissivity cube by the SXI team's three definitions
(swharton1/Emissivity_Cubes read_fits_cube.py get_subsolar_magnetopauses): hand values on
cubes with a known profile, the team's conventions (nearest line, first maximum, forward
difference at the earthward sample), the shipped CMEM sample, errors."""

from __future__ import annotations

import numpy as np
import pytest

from smile_viewer.errors import UserInputError
from smile_viewer.physics.cube_magnetopause import subsolar_magnetopause
from smile_viewer.physics.volume import Volume

X = np.arange(-5.0, 15.0 + 1e-9, 0.5)  # 41 nodes, step 0.5


def profile(x):
    """0 inside x <= 9; +0.5 per step to x = 10; a jump of 3 between 10 and 10.5 (the steepest
    rise: maxdIx = 10.0, the earthward sample); +0.5 per step to the peak 5.5 at x = 12
    (maxIx); then 5.5 (12/x)^3. Hand values: maxIx 12, maxdIx 10, f.25 = 10 + 0.25 * 2 = 10.5."""
    x = np.asarray(x, dtype=float)
    out = np.zeros_like(x)
    ramp = (x > 9.0) & (x <= 10.0)
    out[ramp] = x[ramp] - 9.0  # 0.5, 1.0
    mid = (x > 10.0) & (x <= 12.0)
    out[mid] = 4.0 + (x[mid] - 10.5)  # 4.0 at 10.5 ... 5.5 at 12
    out[x > 12.0] = 5.5 * (12.0 / x[x > 12.0]) ** 3
    return out


def cube(y, z, line_profile, off_axis=None):
    """Values (nz, ny, nx): ``line_profile`` on the row nearest y = z = 0 (first in order),
    ``off_axis`` (default: a bigger bump at x = 14, to catch a wrong row) elsewhere."""
    nz, ny = len(z), len(y)
    other = off_axis if off_axis is not None else 20.0 * np.exp(-((X - 14.0) ** 2))
    v = np.broadcast_to(other, (nz, ny, len(X))).copy()
    iy, iz = int(np.argmin(np.abs(y))), int(np.argmin(np.abs(z)))
    v[iz, iy, :] = line_profile
    return Volume.from_axes(X, y, z, v, frame="gsm")


def test_hand_values_on_a_known_profile():
    y = z = np.arange(-2.0, 2.0 + 1e-9, 0.5)
    mp = subsolar_magnetopause(cube(y, z, profile(X)))
    assert mp.max_ix_re == 12.0 and mp.max_dix_re == 10.0 and mp.f25_re == 10.5
    assert mp.line_y_re == 0.0 and mp.line_z_re == 0.0 and mp.dx_re == 0.5
    assert mp.max_emissivity == pytest.approx(5.5) and mp.max_increase == pytest.approx(3.0)
    assert "f.25 10.500" in mp.summary()


def test_the_teams_conventions():
    # no node on the axis: |y| = 0.25 at -0.25 and +0.25; the team takes the first (-0.25)
    y = np.array([-0.75, -0.25, 0.25, 0.75])
    z = np.array([-0.25, 0.25])
    v = np.broadcast_to(profile(X), (2, 4, len(X))).copy()
    v[:, 2, :] = profile(X - 1.0)  # the second-nearest row has everything 1 R_E further out
    v[1, 1, :] = profile(X - 2.0)
    mp = subsolar_magnetopause(Volume.from_axes(X, y, z, v))
    assert (mp.line_y_re, mp.line_z_re) == (-0.25, -0.25) and mp.max_ix_re == 12.0
    # a flat top: the first (earthward) maximum; equal steepest steps: the first (earthward) pair
    flat = np.where(X >= 12.0, 5.5, profile(X))
    steps = np.clip(X - 8.0, 0.0, None)  # +0.5 everywhere from x = 8 on: steepest pair starts at 8.0
    y = z = np.array([-0.5, 0.0, 0.5])
    assert subsolar_magnetopause(cube(y, z, flat)).max_ix_re == 12.0
    mp = subsolar_magnetopause(cube(y, z, steps))
    assert mp.max_dix_re == 8.0 and mp.max_ix_re == 15.0 and mp.f25_re == 8.0 + 0.25 * 7.0


def test_forward_difference_is_at_the_earthward_sample():
    """A single step from 0 to 1 between x = 10.0 and 10.5: maxdIx is 10.0 (the team's x[k] for
    dI_k = I(x_{k+1}) - I(x_k), x ascending), not the midpoint 10.25 nor 10.5."""
    y = z = np.array([-0.5, 0.0, 0.5])
    step = (X > 10.2).astype(float)
    mp = subsolar_magnetopause(cube(y, z, step, off_axis=np.zeros_like(X)))
    assert mp.max_dix_re == 10.0 and mp.max_ix_re == 10.5 and mp.f25_re == 10.125


def test_nan_samples_are_skipped_and_a_range_limits_the_search():
    y = z = np.array([-0.5, 0.0, 0.5])
    prof = profile(X)
    prof[X == 13.0] = np.nan
    assert subsolar_magnetopause(cube(y, z, prof)).max_ix_re == 12.0
    # a big step across the NaN gap is no step: put the NaN inside the jump
    prof = profile(X)
    prof[X == 10.5] = np.nan
    mp = subsolar_magnetopause(cube(y, z, prof))
    assert mp.max_dix_re != 10.0
    mp = subsolar_magnetopause(cube(y, z, profile(X)), x_range_re=(12.5, 15.0))
    assert mp.max_ix_re == 12.5


def test_the_cmem_sample_cube_brackets_its_model_standoff():
    """The shipped CMEM sample (assets/cubes): the emissivity jumps from 0 inside the
    magnetopause to its sheath value between maxdIx and the next node; CMEM's own standoff
    distance lies there, and the peak is the first node outside."""
    from astropy.io import fits

    from smile_viewer.io.cubes import read_cube, solar_wind_from_header
    from smile_viewer.physics.emissivity import cmem_defaults
    from smile_viewer.resources import asset_path

    path = asset_path("cubes", "cmem_sample_61.fits.gz")
    vol = read_cube(path)
    mp = subsolar_magnetopause(vol)
    sw = solar_wind_from_header(fits.getheader(path))  # the solar wind the sample was made for
    assert sw is not None
    r0 = cmem_defaults(sw, tilt_rad=0.0).magnetopause_standoff_re
    assert mp.max_dix_re <= r0 < mp.max_dix_re + mp.dx_re
    assert mp.max_ix_re == mp.max_dix_re + mp.dx_re
    assert mp.max_dix_re < mp.f25_re < mp.max_ix_re


def test_errors():
    y = z = np.array([-0.5, 0.0, 0.5])
    with pytest.raises(UserInputError, match="no positive emissivity"):
        subsolar_magnetopause(cube(y, z, np.zeros_like(X)))
    far = np.array([3.0, 3.5, 4.0])
    with pytest.raises(UserInputError, match="does not reach the Sun-Earth line"):
        subsolar_magnetopause(Volume.from_axes(X, far, z, np.ones((3, 3, len(X)))))
    with pytest.raises(UserInputError, match="lo < hi"):
        subsolar_magnetopause(cube(y, z, profile(X)), x_range_re=(5.0, 1.0))
