"""Emissivity volumes: layout, trilinear sampling, model sampling, plasma volumes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from smile_viewer.errors import UserInputError
from smile_viewer.physics import emissivity as E
from smile_viewer.physics.solar_wind import SolarWind
from smile_viewer.physics.volume import Volume, plasma_volume, sample_model

SW = SolarWind.from_speed(n_cm3=5, v_km_s=400, bz_nt=0)


def linear_volume(a=3.0, b=2.0, c=-5.0, d=7.0):
    """f = a + b x + c y + d z on an integer grid with different counts per axis (nx 6, ny 5, nz 4)."""
    x = np.arange(6) * 2.0 - 4.0  # -4 … 6, dx 2
    y = np.arange(5) * 1.0 + 1.0  # 1 … 5, dy 1
    z = np.arange(4) * 3.0 - 3.0  # -3 … 6, dz 3
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    vals = a + b * xx + c * yy + d * zz  # integers: exact in float32
    return Volume(vals, origin_re=(-4.0, 1.0, -3.0), spacing_re=(2.0, 1.0, 3.0)), (a, b, c, d)


class TestLayout:
    def test_axes_bounds_and_order(self):
        vol, _ = linear_volume()
        assert vol.values.shape == (4, 5, 6) and vol.n_xyz == (6, 5, 4)
        assert vol.values.dtype == np.float32 and vol.values.flags.c_contiguous
        np.testing.assert_array_equal(vol.x, [-4, -2, 0, 2, 4, 6])
        np.testing.assert_array_equal(vol.y, [1, 2, 3, 4, 5])
        np.testing.assert_array_equal(vol.z, [-3, 0, 3, 6])
        assert vol.bounds == ((-4.0, 6.0), (1.0, 5.0), (-3.0, 6.0))
        assert vol.nbytes == 4 * 5 * 6 * 4
        # values[k, j, i] is the node (x_i, y_j, z_k)
        assert vol.values[1, 2, 3] == 3.0 + 2.0 * vol.x[3] - 5.0 * vol.y[2] + 7.0 * vol.z[1]
        nodes = vol.node_xyz()
        assert nodes.shape == (4, 5, 6, 3)
        np.testing.assert_array_equal(nodes[1, 2, 3], [vol.x[3], vol.y[2], vol.z[1]])
        assert vol.frame == "gse" and vol.units == "eV cm^-3 s^-1"
        assert "Volume 6×5×4" in repr(vol)

    def test_values_are_read_only(self):
        vol, _ = linear_volume()
        with pytest.raises(ValueError):
            vol.values[0, 0, 0] = 1.0

    @pytest.mark.parametrize(
        "kwargs, match",
        [
            (dict(values=np.zeros((4, 4))), "3 axes"),
            (dict(values=np.zeros((1, 4, 4))), "at least 2"),
            (dict(spacing_re=(1.0, 0.0, 1.0)), "spacing"),
            (dict(origin_re=(0.0, np.nan, 0.0)), "origin_re"),
            (dict(frame="gei"), "frame"),
        ],
    )
    def test_validation(self, kwargs, match):
        args = dict(values=np.zeros((3, 3, 3)), origin_re=(0, 0, 0), spacing_re=(1, 1, 1))
        args.update(kwargs)
        with pytest.raises(UserInputError, match=match):
            Volume(**args)

    def test_from_axes(self):
        x = np.linspace(-10, 10, 5)
        y = np.linspace(0, 3, 4)
        z = np.linspace(-1, 1, 3)
        vals = np.arange(60, dtype=float).reshape(3, 4, 5)
        vol = Volume.from_axes(x, y, z, vals, frame="GSM", provenance={"file": "a.fits"})
        assert vol.frame == "gsm" and vol.provenance == {"file": "a.fits"}
        np.testing.assert_allclose(vol.x, x, rtol=0, atol=1e-12)
        np.testing.assert_allclose(vol.y, y, rtol=0, atol=1e-12)
        with pytest.raises(UserInputError, match="not uniform"):
            Volume.from_axes([0, 1, 3], y, z, np.zeros((3, 4, 3)))
        with pytest.raises(UserInputError, match="increasing"):
            Volume.from_axes(x[::-1], y, z, vals)
        with pytest.raises(UserInputError, match="shape"):
            Volume.from_axes(x, y, z, vals.transpose())


class TestSample:
    def test_trilinear_is_exact_for_linear_fields(self):
        vol, (a, b, c, d) = linear_volume()
        rng = np.random.default_rng(0)
        (x0, x1), (y0, y1), (z0, z1) = vol.bounds
        pts = np.stack(
            [rng.uniform(x0, x1, 2000), rng.uniform(y0, y1, 2000), rng.uniform(z0, z1, 2000)], axis=-1
        )
        want = a + b * pts[:, 0] + c * pts[:, 1] + d * pts[:, 2]
        np.testing.assert_allclose(vol.sample(pts), want, rtol=0, atol=1e-12)

    def test_nodes_and_faces(self):
        vol, (a, b, c, d) = linear_volume()
        nodes = vol.node_xyz()
        np.testing.assert_array_equal(vol.sample(nodes), vol.values.astype(np.float64))
        # points exactly on the upper faces are inside
        assert vol.sample([6.0, 5.0, 6.0]) == a + b * 6 + c * 5 + d * 6
        assert vol.sample([-4.0, 1.0, -3.0]) == a + b * -4 + c * 1 + d * -3

    def test_outside_and_nan(self):
        vol, _ = linear_volume()
        outside = np.array(
            [[6.0 + 1e-9, 3.0, 0.0], [0.0, 0.999, 0.0], [0.0, 3.0, 100.0], [-50.0, -50.0, -50.0]]
        )
        np.testing.assert_array_equal(vol.sample(outside), 0.0)
        assert np.all(np.isnan(vol.sample(outside, fill_value=np.nan)))
        assert math.isnan(vol.sample([np.nan, 3.0, 0.0]))
        assert vol.sample(np.zeros((0, 3))).shape == (0,)
        with pytest.raises(UserInputError):
            vol.sample([1.0, 2.0])

    def test_shape_of_result(self):
        vol, _ = linear_volume()
        assert isinstance(vol.sample([0.0, 2.0, 1.0]), float)
        assert vol.sample(np.zeros((3, 2, 3)) + [0.0, 2.0, 1.0]).shape == (3, 2)


class TestSampleModel:
    @pytest.mark.parametrize(
        "model",
        [E.jorgensen_defaults(SW), E.cmem_defaults(SW, tilt_rad=0.2), E.exosphere_model(SW, r_inner_re=3.0)],
        ids=lambda m: m.name,
    )
    def test_matches_the_model_at_the_nodes(self, model):
        bounds = ((-20.0, 25.0), (-18.0, 18.0), (-15.0, 16.0))
        vol = sample_model(model, shape=(17, 13, 11), bounds=bounds, frame="gsm")
        assert vol.values.shape == (11, 13, 17)
        assert vol.bounds[0] == pytest.approx(bounds[0]) and vol.bounds[2] == pytest.approx(bounds[2])
        want = model.emissivity(vol.node_xyz())
        np.testing.assert_allclose(vol.values, want, rtol=1e-7, atol=0)
        assert (want > 0).any() and (want == 0).any()
        assert vol.frame == "gsm" and vol.units == E.EMISSIVITY_UNITS
        prov = vol.provenance
        assert prov["model"]["model"] == model.name and prov["grid"]["n_xyz"] == [17, 13, 11]
        assert "numba" in prov["sampler"]
        for k, v in model.params.items():
            assert prov["model"][k] == v

    def test_callables_and_objects(self):
        model = E.jorgensen_defaults(SW)

        class Wrapped:
            def emissivity(self, xyz):
                return model.emissivity(xyz)

        ref = sample_model(model, shape=(9, 8, 7), bounds=((-10, 20), (-15, 15), (-12, 12)))
        for src in (Wrapped(), model.emissivity, lambda p: model.emissivity(p)):
            vol = sample_model(src, shape=(9, 8, 7), bounds=((-10, 20), (-15, 15), (-12, 12)))
            np.testing.assert_array_equal(vol.values, ref.values)
            assert "numpy" in vol.provenance["sampler"]

    def test_sampled_volume_interpolates_the_model(self):
        """Trilinear samples of a fine sampled model lie near the model away from boundaries."""
        model = E.exosphere_model(SW, r_inner_re=1.0)
        vol = sample_model(model, shape=(41, 41, 41), bounds=((5, 25), (5, 25), (5, 25)))
        p = np.array([[10.13, 11.7, 8.91], [20.2, 6.6, 14.4]])
        np.testing.assert_allclose(vol.sample(p), model.emissivity(p), rtol=2e-3)

    @pytest.mark.parametrize(
        "shape, bounds",
        [((1, 4, 4), ((0, 1), (0, 1), (0, 1))), ((4, 4), ((0, 1), (0, 1), (0, 1))),
         ((4, 4, 4), ((1, 0), (0, 1), (0, 1))), ((4, 4, 4), ((0, 1), (0, 1))), ((4.5, 4, 4), ((0, 1),) * 3)],
    )  # fmt: skip
    def test_bad_grid(self, shape, bounds):
        with pytest.raises(UserInputError):
            sample_model(E.jorgensen_defaults(SW), shape=shape, bounds=bounds)

    def test_int_shape_and_bad_source(self):
        vol = sample_model(E.jorgensen_defaults(SW), shape=5, bounds=((0, 20),) * 3)
        assert vol.n_xyz == (5, 5, 5)
        with pytest.raises(UserInputError):
            sample_model(42, shape=5, bounds=((0, 20),) * 3)


def test_plasma_volume():
    x = np.linspace(-20, 20, 9)
    y = np.linspace(-20, 20, 7)
    z = np.linspace(-20, 20, 5)
    shape = (z.size, y.size, x.size)
    n = np.full(shape, 5.0)
    v = np.zeros(shape + (3,))
    v[..., 0] = -400.0
    t = np.full(shape, 0.0)
    vol = plasma_volume(x, y, z, n, v, t, mask="none", frame="gse")
    r = np.linalg.norm(vol.node_xyz(), axis=-1)
    with np.errstate(divide="ignore"):
        want = 1e-15 * 25.0 * (10.0 / r) ** 3 * 5.0 * 400.0e5
    finite = np.isfinite(want)
    np.testing.assert_allclose(vol.values[finite], want[finite], rtol=1e-6)
    assert vol.values.shape == shape
    assert "plasma" in vol.provenance["source"]
