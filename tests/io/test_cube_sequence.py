"""Cube time sequences (smile_viewer.io.cubes.sequence): discovery, times, interpolation, the
two-cube memory bound and bad input.

The cubes are written with astropy in the SMILE modelling community's FITS layout as
swharton1/Emissivity_Cubes' ``convert_to_fits`` writes it (primary array (z, y, x), image
extensions ``x``, ``y``, ``z``, solar-wind keywords; OpenGGCM cubes add ``TIME`` as
``%Y/%m/%d %H:%M``), not with smile-viewer's writer.
"""

from __future__ import annotations

import json
import weakref

import numpy as np
import pytest
from astropy.io import fits
from astropy.time import Time, TimeDelta

import smile_viewer.io.cubes as cubes
from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.cubes.sequence import (
    blend_volumes,
    is_sequence_spec,
    open_sequence,
    shared_sequence,
    time_from_name,
)

T0 = Time("2014-09-19T03:00:00", scale="utc")


def team_cube(path, value, *, n=(6, 5, 4), lo=(-10.0, -8.0, -6.0), hi=(15.0, 8.0, 6.0), **header):
    """A uniform cube (every node = ``value``) of nx×ny×nz = ``n`` nodes over [lo, hi] R_E."""
    x, y, z = (np.linspace(a, b, k) for a, b, k in zip(lo, hi, n))
    hdu = fits.PrimaryHDU(np.full((n[2], n[1], n[0]), value, dtype=np.float64))
    for k, v in {"bz": -5.0, "vx": 400.0, "density": 5.0, "temp": 2e5, **header}.items():
        hdu.header[k] = v
    names = [fits.ImageHDU(data=a, name=nm) for a, nm in ((x, "x"), (y, "y"), (z, "z"))]
    fits.HDUList([hdu, *names]).writeto(path, overwrite=True)
    return path


@pytest.fixture
def three(tmp_path):
    """Three cubes 10 min apart with values 1, 3, 7, times in DATE-OBS (one in TIME, the
    OpenGGCM way), written in a shuffled name order."""
    d = tmp_path / "run"
    d.mkdir()
    team_cube(d / "c_b.fits", 3.0, **{"DATE-OBS": (T0 + TimeDelta(600, format="sec")).isot})
    team_cube(d / "c_a.fits", 7.0, TIME=(T0 + TimeDelta(1200, format="sec")).strftime("%Y/%m/%d %H:%M"))
    team_cube(d / "c_c.fits", 1.0, **{"DATE-OBS": T0.isot})
    return d


def at(minutes):
    return T0 + TimeDelta(60.0 * minutes, format="sec")


def test_folder_sorted_by_header_times_and_linear_blend(three):
    seq = open_sequence(three)
    assert len(seq) == 3
    assert [p.name for p in seq.paths] == ["c_c.fits", "c_b.fits", "c_a.fits"]
    assert [e.time_source for e in seq.entries] == ["header DATE-OBS", "header DATE-OBS", "header TIME"]
    assert np.allclose((seq.times - T0).sec, [0, 600, 1200])
    # linear between the bracketing cubes: 1 → 3 over 10 min, 3 → 7 over the next 10
    for minutes, want in ((0, 1.0), (2.5, 1.5), (5, 2.0), (10, 3.0), (12.5, 4.0), (17.5, 6.0), (20, 7.0)):
        v = seq.volume_at(at(minutes))
        assert np.allclose(v.values, want, rtol=1e-6), minutes
    v = seq.volume_at(at(15))
    assert v.provenance["source"] == "cube sequence"
    assert [c["weight"] for c in v.provenance["cubes"]] == pytest.approx([0.5, 0.5])
    assert np.allclose(v.bounds, ((-10, 15), (-8, 8), (-6, 6)))


def test_nearest_picks_the_closer_cube(three):
    seq = open_sequence(three, interpolation="nearest")
    assert np.all(seq.volume_at(at(4)).values == 1.0)
    assert np.all(seq.volume_at(at(6)).values == 3.0)
    assert np.all(seq.volume_at(at(16)).values == 7.0)


def test_at_most_two_cubes_in_memory(three, monkeypatch):
    alive: list[weakref.ref] = []
    real = cubes.read_cube

    def counting(path, **kw):
        vol = real(path, **kw)
        alive.append(weakref.ref(vol))
        return vol

    monkeypatch.setattr(cubes, "read_cube", counting)
    seq = open_sequence(three)
    most = 0
    for minutes in np.arange(0.0, 20.01, 1.0).tolist() + [3.0, 19.0, 0.0]:
        seq.volume_at(at(minutes))  # (no reference cycles: a dropped cube is freed at once)
        most = max(most, sum(r() is not None for r in alive))
        assert len(seq.cached_indices) <= 2
    assert most == 2
    # forward: 0, 1, 2; back to 3 min: 0 again (2 dropped, 1 kept: the blend needs it); 19 min: 2
    # again (0 dropped); 0 min: 0 again — read on demand, never all three held
    assert seq.loads == 6 and len(alive) == 6


def test_times_from_file_names_and_a_glob(tmp_path):
    for k, (name, value) in enumerate(
        [
            ("mhd_20140919_030000.fits", 1.0),
            ("mhd_20140919_031000.fits", 2.0),
            ("mhd_20140919_032000.fits", 4.0),
        ]
    ):
        team_cube(tmp_path / name, value)
        (tmp_path / f"notes{k}.txt").write_text("not a cube")
    seq = open_sequence(tmp_path / "mhd_*.fits")  # the glob skips the text files
    assert [e.time_source for e in seq.entries] == ["file name"] * 3
    assert np.allclose(seq.volume_at(at(15)).values, 3.0)
    assert is_sequence_spec(tmp_path / "mhd_*.fits") and is_sequence_spec(tmp_path)
    assert not is_sequence_spec(tmp_path / "mhd_20140919_030000.fits")


@pytest.mark.parametrize(
    ("name", "iso"),
    [
        ("3d__var_1_e20140919-030000-000.out", "2014-09-19T03:00:00"),  # BATS-R-US
        ("cube_2014-09-19T03:15:30.fits", "2014-09-19T03:15:30"),
        ("ppmlr_20140919T0310.fits", "2014-09-19T03:10:00"),
        ("run_2014-09-19_03-20.nc", "2014-09-19T03:20:00"),
    ],
)
def test_time_from_name(name, iso):
    assert abs((time_from_name(name) - Time(iso, scale="utc")).sec) < 1e-6


def test_time_from_name_none():
    assert time_from_name("cube_t0001.fits") is None
    assert time_from_name("run_20140919_030000_to_20140919_040000.fits") is None  # two times: ambiguous


def test_json_index_relative_paths_and_interpolation(tmp_path):
    d = tmp_path / "cubes"
    d.mkdir()
    for name, value in (("a.fits", 2.0), ("b.fits", 6.0)):
        team_cube(d / name, value)
    index = tmp_path / "run.json"
    index.write_text(
        json.dumps(
            {
                "interpolation": "linear",
                "cubes": [
                    {"file": "cubes/b.fits", "time": at(30).isot},
                    {"file": "cubes/a.fits", "time": at(0).isot},
                ],
            }
        )
    )
    seq = open_sequence(index)
    assert [p.name for p in seq.paths] == ["a.fits", "b.fits"]
    assert np.allclose(seq.volume_at(at(7.5)).values, 3.0)
    assert open_sequence(index, interpolation="nearest").volume_at(at(20)).values.max() == 6.0


def test_shared_sequence_is_reused_and_reopened_when_files_change(three):
    a = shared_sequence(three)
    assert shared_sequence(three) is a
    team_cube(three / "c_d.fits", 9.0, **{"DATE-OBS": at(30).isot})
    b = shared_sequence(three)
    assert b is not a and len(b) == 4


def test_blend_weights_are_checked(three):
    seq = open_sequence(three)
    a, b = seq.volume_index(0), seq.volume_index(2)
    assert np.allclose(blend_volumes(a, b, 0.25).values, 0.75 * 1 + 0.25 * 7)
    with pytest.raises(UserInputError, match="within"):
        blend_volumes(a, b, 1.5)


# -- bad input: one line naming the file, nothing half-opened ----------------------------------------
def test_empty_folder(tmp_path):
    with pytest.raises(UserInputError, match="empty cube sequence") as e:
        open_sequence(tmp_path)
    assert str(tmp_path) in str(e.value) and "\n" not in str(e.value)


def test_glob_matching_nothing(tmp_path):
    with pytest.raises(UserInputError, match="matches no files"):
        open_sequence(tmp_path / "*.fits")


def test_cubes_of_different_grids(three):
    team_cube(three / "c_z.fits", 2.0, n=(7, 5, 4), **{"DATE-OBS": at(30).isot})
    with pytest.raises(DataFileError, match="differs from") as e:
        open_sequence(three)
    assert e.value.path.endswith("c_z.fits") and "\n" not in str(e.value)


def test_cubes_of_different_extent(three):
    team_cube(three / "c_z.fits", 2.0, hi=(20.0, 8.0, 6.0), **{"DATE-OBS": at(30).isot})
    with pytest.raises(DataFileError, match="same grid") as e:
        open_sequence(three)
    assert e.value.path.endswith("c_z.fits")


def test_unparseable_header_time(three):
    team_cube(three / "c_z.fits", 2.0, **{"DATE-OBS": "the day after"})
    with pytest.raises(DataFileError, match="is not a time") as e:
        open_sequence(three)
    assert e.value.path.endswith("c_z.fits")


def test_no_time_anywhere(three):
    team_cube(three / "c_z.fits", 2.0)
    with pytest.raises(DataFileError, match="no time") as e:
        open_sequence(three)
    assert e.value.path.endswith("c_z.fits")


def test_non_cube_file_in_the_folder(three):
    (three / "README.txt").write_text("run notes")
    with pytest.raises(DataFileError, match="not a cube format") as e:
        open_sequence(three)
    assert e.value.path.endswith("README.txt")


def test_duplicate_times(three):
    team_cube(three / "c_z.fits", 2.0, **{"DATE-OBS": at(10).isot})
    with pytest.raises(DataFileError, match="same time"):
        open_sequence(three)


def test_time_outside_the_sequence(three):
    seq = open_sequence(three)
    with pytest.raises(UserInputError, match="outside the cube sequence"):
        seq.volume_at(at(-5))
    assert seq.cached_indices == ()  # nothing was read for a refused time


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ({"cubes": []}, "lists no cubes"),
        ({"cubes": [{"file": "a.fits", "time": "soon"}]}, "is not a time"),
        ({"cubes": [{"name": "a.fits"}]}, "must be an object with a 'file'"),
        ({"files": []}, "unknown key"),
        (
            {"cubes": [{"file": "a.fits", "time": "2014-09-19T03:00"}], "interpolation": "cubic"},
            "interpolation",
        ),
        ({"cubes": [{"file": "missing.fits", "time": "2014-09-19T03:00"}]}, "no such file"),
    ],
)
def test_bad_index(tmp_path, content, match):
    team_cube(tmp_path / "a.fits", 1.0)
    index = tmp_path / "seq.json"
    index.write_text(json.dumps(content))
    with pytest.raises(DataFileError, match=match) as e:
        open_sequence(index)
    assert "\n" not in str(e.value)


def test_loaded_cube_with_another_grid_is_refused_when_headers_cannot_tell(three, monkeypatch):
    """A format whose headers give no extent is checked again when the cube is read."""
    seq = open_sequence(three)
    seq.volume_index(0)
    real = cubes.read_cube

    def shifted(path, **kw):
        v = real(path, **kw)
        return type(v)(v.values, (v.origin_re[0] + 1.0, *v.origin_re[1:]), v.spacing_re, frame=v.frame)

    monkeypatch.setattr(cubes, "read_cube", shifted)
    with pytest.raises(DataFileError, match="same grid") as e:
        seq.volume_index(2)
    assert e.value.path.endswith("c_a.fits")


def test_openggcm_run_folder_skips_the_json_metadata_beside_each_cdf(tmp_path):
    """A CCMC OpenGGCM run folder: each ``.cdf`` has its metadata ``.json`` beside it (read by
    the CDF reader for the time); the folder scan and a ``*`` glob take only the CDF files."""
    from tests.io.test_cube_formats_native import write_openggcm_cdf

    d = tmp_path / "ggcm"
    d.mkdir()
    x, y, z = np.linspace(-5.0, 10.0, 7), np.linspace(-3.0, 3.0, 5), np.linspace(-2.0, 2.0, 4)
    for k, minutes in enumerate((20, 10)):
        write_openggcm_cdf(
            d / f"run.3df.{k:06d}.cdf",
            x,
            y,
            z,
            {"emis": np.full((4, 5, 7), 1e-5 * (k + 1))},
            meta={"time": at(minutes).isot},
        )
    assert len(list(d.glob("*.json"))) == 2
    for spec in (d, d / "*"):
        seq = open_sequence(spec, read_options={"variables": {"emissivity": "emis"}})
        assert [p.name for p in seq.paths] == ["run.3df.000001.cdf", "run.3df.000000.cdf"]
        assert abs((seq.start - at(10)).sec) < 1e-3 and abs((seq.stop - at(20)).sec) < 1e-3
        # the OpenGGCM reader flips x and y (GSE with reversed X): compare values, not axes
        assert np.allclose(seq.volume_at(at(15)).values, 1.5e-5)


@pytest.mark.parametrize("name", ["missing.fits", "c0." + "," * 300 + "fits"])
def test_index_listing_a_missing_file_names_the_index(tmp_path, name):
    """Found by the fuzz campaign: a listed file that does not exist (or whose name is too long
    for the file system) is the index's fault, so the one-line error names the index."""
    team_cube(tmp_path / "a.fits", 1.0)
    index = tmp_path / "seq.json"
    index.write_text(json.dumps({"cubes": [{"file": name, "time": "2014-09-19T03:00"}]}))
    with pytest.raises(DataFileError, match=r"seq\.json: cubes\[0\] names '.*': no such file") as e:
        open_sequence(index)
    assert e.value.path == str(index) and len(str(e.value)) < 200
