"""The model registry: every model defined once, and everything that lists models reads it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from smile_viewer.errors import UserInputError
from smile_viewer.physics import boundaries as bnd
from smile_viewer.physics import emissivity as em
from smile_viewer.physics import models
from smile_viewer.physics.solar_wind import SolarWind

SW = SolarWind.from_speed(n_cm3=5.0, v_km_s=400.0, bz_nt=-2.0)


def test_analytic_entries_agree_with_their_model_classes():
    """Key, parameters and kernel id of each analytic entry are those of the model it builds."""
    analytic = models.emissivity_models(kind="analytic")
    assert {"jorgensen", "cmem", "exosphere"} <= set(analytic)
    for key, entry in analytic.items():
        model = entry.model(SW, tilt_rad=0.1)
        assert model.name == key
        assert model.model_id == entry.kernel_id
        published = tuple(n for n in type(model).param_names if n in entry.parameter_names)
        assert entry.parameter_names == published or set(entry.parameter_names) <= set(
            type(model).param_names
        )
        for p in entry.parameters:
            lo, hi = p.bounds
            assert lo < hi, p
            if p.name in model.params:
                assert lo <= model.params[p.name] <= hi, (key, p.name, model.params[p.name])


def test_standoffs_of_fittable_models():
    """The registered standoff is the model's subsolar magnetopause (Shue 1997 r0 for Jorgensen;
    the scaled Lin et al. 2010 surface at theta = 0 for CMEM, growing with p0)."""
    jorg = models.emissivity_model("jorgensen")
    assert jorg.standoff_re(jorg.model(SW)) == pytest.approx(bnd.shue1997(SW.pd_npa, SW.bz_nt).r0, rel=1e-12)
    cmem = models.emissivity_model("cmem")
    m = cmem.model(SW, tilt_rad=0.0, p0=1.1)
    assert cmem.standoff_re(m) == pytest.approx(float(m.magnetopause_r(0.0)), rel=1e-12)
    assert cmem.standoff_re(m) > cmem.standoff_re(cmem.model(SW, tilt_rad=0.0, p0=1.0))
    for key, entry in models.fittable_models().items():
        assert entry.size_parameter in entry.parameter_names, key
        assert entry.amplitudes, key


def test_lookup_by_alias_case_and_dash():
    assert models.emissivity_model(" JORG ").key == "jorgensen"
    assert models.boundary_model("Jelinek2012-Magnetopause").key == "jelinek2012"
    assert models.boundary_model("jelinek2012", "bow_shock").kind == "bow_shock"
    with pytest.raises(UserInputError, match="unknown emissivity model 'shue'"):
        models.emissivity_model("shue")
    with pytest.raises(UserInputError, match="unknown magnetopause model"):
        models.boundary_model("tsyganenko")
    with pytest.raises(UserInputError, match="file source"):
        models.build_emissivity("cube", SW)


def test_registration_refuses_a_second_definition():
    with pytest.raises(ValueError, match="registered already"):
        models.register_emissivity(
            models.EmissivityModelEntry(key="cmem", title="again", citation="", kind="analytic")
        )
    with pytest.raises(ValueError, match="registered already"):
        models.register_boundary(
            models.BoundaryModel("x", "x", "", "magnetopause", lambda sw, t: None, aliases=("shue1998",))
        )


@pytest.mark.parametrize(
    "key, expected",
    [
        # docs/reference.md#boundary-models: Shue 1998 (Pd 2, Bz 0 / -5), Lin 2010 nose, Jelinek nose
        ("shue1998", [10.2519, 9.8062]),
        ("jelinek2012", [11.2372, 11.2372]),
    ],
)
def test_vectorised_standoff_reference_values(key, expected):
    got = models.boundary_model(key).standoff_re(np.array([2.0, 2.0]), np.array([0.0, -5.0]))
    np.testing.assert_allclose(got, expected, atol=1e-4)
    assert models.boundary_model("lin2010").standoff_re(2.0, 0.0, 0.0, 0.0) == pytest.approx(
        10.6810, abs=1e-4
    )
    assert np.isnan(models.boundary_model(key).standoff_re(-1.0, 0.0))


@pytest.mark.parametrize("key", list(models.magnetopause_models()))
def test_vectorised_standoff_equals_each_surface(key):
    entry = models.boundary_model(key)
    rng = np.random.default_rng(3)
    pd, bz = rng.uniform(0.3, 20.0, 12), rng.uniform(-15.0, 10.0, 12)
    pm, tilt = rng.uniform(0.0, 0.2, 12), rng.uniform(-0.5, 0.5, 12)
    vec = entry.standoff_re(pd, bz, pm, tilt)
    for i in range(12):
        sw = type("SW", (), {"pd_npa": pd[i], "bz_nt": bz[i], "pm_npa": pm[i]})()
        assert vec[i] == pytest.approx(entry.surface(sw, tilt[i]).standoff_re, rel=1e-12)


def test_state_gui_and_cli_lists_come_from_the_registry():
    """Every list of models a user sees is the registry's."""
    from smile_viewer.cli import fit as cli_fit
    from smile_viewer.state import model as state_model

    assert state_model.BOUNDARY_MODELS == tuple(models.magnetopause_models())
    assert state_model.EMISSIVITY_MODELS == tuple(models.emissivity_models(band="sxi"))
    for key, names in state_model.EMISSIVITY_PARAM_NAMES.items():
        assert names == models.emissivity_model(key).parameter_names
    assert tuple(cli_fit.MODEL_CHOICES) == tuple(models.fittable_models())


def test_state_accepts_aliases_and_refuses_unknown_models():
    from smile_viewer.state.model import ModelSettings

    s = ModelSettings()
    s.boundary_model = "jelinek2012_magnetopause"
    assert s.boundary_model == "jelinek2012"
    s.emissivity_model = "JORG"
    assert s.emissivity_model == "jorgensen"
    with pytest.raises(ValueError, match="unknown model"):
        s.emissivity_model = "aurora"  # a UVI source, not an SXI emissivity
    assert s.emissivity_model == "jorgensen"


def test_model_from_name_is_the_registry_builder():
    m = em.model_from_name("cmem", SW, tilt_rad=0.2, p2=2.0)
    ref = models.build_emissivity("cmem", SW, tilt_rad=0.2, p2=2.0)
    np.testing.assert_array_equal(m.to_array(), ref.to_array())
    assert math.isclose(m.tilt_rad, 0.2)


def test_models_command_lists_the_registry(capsys):
    from smile_viewer.cli import main

    assert main(["models"]) == 0
    out = capsys.readouterr().out
    for key, entry in models.emissivity_models().items():
        assert (f"{key}:PATH" if entry.kind == "file" else key) in out
    for key in models.magnetopause_models():
        assert key in out
    assert main(["models", "cmem"]) == 0
    out = capsys.readouterr().out
    assert "p0" in out and "[0.3, 3]" in out and "pd_npa" in out and "[nPa]" in out
    assert main(["models", "tsyganenko"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown emissivity model 'tsyganenko'" in err


def test_cli_survives_a_closed_pipe(tmp_path):
    """``smile-viewer models | head -1``: no traceback when the reader goes away."""
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "smile_viewer", "models", "cmem2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # gone before the command writes anything (its start-up takes > 0.3 s)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err, err
