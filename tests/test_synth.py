"""``smile_viewer.synth`` as a library: typed :class:`SynthOptions`, the same product as the
command line, mistakes as one-line UserInputError before any file is written."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits
from astropy.time import Time

from smile_viewer.cli import main
from smile_viewer.errors import UserInputError
from smile_viewer.mission.instruments import load_instrument
from smile_viewer.mission.pointing import sxi_pointing
from smile_viewer.physics.solar_wind import SolarWind
from smile_viewer.synth import SynthOptions, make_synthetic, resolve_model_name

TIME = Time("2026-05-21T01:00:00", scale="utc")
POS = (2.0, -5.0, 18.0)


@pytest.mark.parametrize(
    "kw, fragment",
    [
        ({}, "give a time"),
        ({"position_re": (0.5, 0.2, 0.0)}, "inside the Earth"),
        ({"time": TIME, "aim_re": (10, 0, 0), "rays": np.ones((3, 3, 3))}, "not several"),
        ({"time": TIME, "rays": np.ones((3, 3, 3)), "shape": (3, 3)}, "rays set the grid"),
        ({"time": TIME, "position_re": POS, "rays": np.ones((3, 3))}, "H x W x 3"),
        ({"time": TIME, "model": "mhd"}, "unknown --model"),
        ({"time": TIME, "position_re": POS, "params": {"rmp": 10.0}}, "unknown parameter"),
    ],
)
def test_mistakes(tmp_path, kw, fragment):
    with pytest.raises(UserInputError, match=fragment) as exc:
        make_synthetic(SynthOptions(instrument="sxi", out=tmp_path / "a.fits", **kw))
    assert "\n" not in str(exc.value)
    assert not (tmp_path / "a.fits").exists()


def test_default_models():
    assert resolve_model_name(None, load_instrument("sxi")) == "jorgensen"
    assert resolve_model_name(None, load_instrument("uvi")) == "aurora"
    assert resolve_model_name(" CMEM ", load_instrument("sxi")) == "cmem"
    assert resolve_model_name("cube: /x/y.fits", load_instrument("sxi")) == "cube:/x/y.fits"


def test_typed_options_make_the_command_lines_product(tmp_path, capsys):
    """The same numbers typed and as option text give the same image and counts; explicit rays of
    any length give the law's picture (they are normalised)."""
    sw = SolarWind(n_cm3=8.0, v_gse_km_s=(-450.0, 0.0, 0.0), b_gsm_nt=(0.0, 0.0, -2.0))
    opts = SynthOptions(
        instrument="sxi",
        out=tmp_path / "lib.fits",
        time=TIME,
        position_re=POS,
        shape=(6, 9),
        params={"A1": 4e-5},
        solar_wind=sw,
        backend="numpy",
        exposure_s=600.0,
        seed=3,
    )
    product = make_synthetic(opts)
    assert product.out == tmp_path / "lib.fits" and product.shape == (6, 9) and product.model == "jorgensen"
    line = product.summary_line()
    assert line.startswith(f"wrote {tmp_path / 'lib.fits'} (SXI 9x6, jorgensen, backend numpy")
    assert line.endswith(f"; {product.total_counts} counts in 600 s)")

    rc = main(
        [
            "synth",
            "--instrument",
            "sxi",
            "--out",
            str(tmp_path / "cli.fits"),
            "--time",
            TIME.isot,
            "--position",
            "2,-5,18",
            "--pixels",
            "9x6",
            "--param",
            "A1=4e-5",
            "--solar-wind",
            "n=8,v=450,bz=-2",
            "--backend",
            "numpy",
            "--exposure",
            "600",
            "--seed",
            "3",
        ]
    )
    assert rc == 0, capsys.readouterr().err
    with fits.open(tmp_path / "lib.fits") as a, fits.open(tmp_path / "cli.fits") as b:
        np.testing.assert_array_equal(a[0].data, b[0].data)
        np.testing.assert_array_equal(a["CTSMAP"].data, b["CTSMAP"].data)
        assert int(a["CTSMAP"].data.sum()) == product.total_counts
        assert a[0].header["SW_N"] == 8.0 and a[0].header["EXPOS"] == 600.0

    cam = load_instrument("sxi").camera(np.array(POS), sxi_pointing(np.array(POS)).rotation, shape=(6, 9))
    rays = 2.5 * np.asarray(cam.ray_directions())
    make_synthetic(
        SynthOptions(
            instrument="sxi",
            out=tmp_path / "rays.fits",
            time=TIME,
            position_re=POS,
            rays=rays,
            params={"A1": 4e-5},
            solar_wind=sw,
            backend="numpy",
        )
    )
    with fits.open(tmp_path / "rays.fits") as r, fits.open(tmp_path / "lib.fits") as a:
        np.testing.assert_allclose(r[0].data, a[0].data, rtol=1e-6)
