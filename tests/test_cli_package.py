"""The command-line package: command registration, start-up imports, shared option parsers."""

from __future__ import annotations

import argparse
import subprocess
import sys
import types

import pytest

import smile_viewer
from smile_viewer import cli
from smile_viewer.cli import common
from smile_viewer.errors import UserInputError
from smile_viewer.physics.solar_wind import SolarWind


def _subcommands(parser: argparse.ArgumentParser) -> list[str]:
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return list(action.choices)


def test_every_registered_module_is_a_command():
    names = _subcommands(cli.build_parser())
    assert len(names) == len(set(names)) == len(cli.COMMANDS)  # one sub-command per module
    assert {"gui", "orbit", "render", "synth", "fit", "windows", "batch"} <= set(names)
    for name in cli.COMMANDS:
        module = cli._command_module(name)
        assert callable(module.add_parser) and callable(module.run), name


def test_registering_a_command_is_one_entry(monkeypatch, capsys):
    """A module with add_parser/run named in COMMANDS runs; its UserInputError is one line, exit 2."""
    mod = types.ModuleType("smile_viewer.cli._hello")

    def add_parser(sub):
        p = sub.add_parser("hello", help="say hello")
        p.add_argument("--times", default="1")
        return p

    def run(args):
        n = common.parse_int(args.times, "--times", 1)
        print("hello " * n)
        return 7

    mod.add_parser, mod.run = add_parser, run
    monkeypatch.setitem(sys.modules, "smile_viewer.cli._hello", mod)
    monkeypatch.setattr(cli, "COMMANDS", (*cli.COMMANDS, "_hello"))
    assert cli.main(["hello", "--times", "2"]) == 7
    assert capsys.readouterr().out.count("hello") == 2
    assert cli.main(["hello", "--times", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "smile-viewer: error: --times must be >= 1, got 0"


def test_building_the_parser_imports_no_heavy_library():
    """``smile-viewer --version`` builds every command's parser: no numba, scipy, dask, Qt or
    vispy may load for it (each costs 0.5-1 s), nor the command modules' libraries."""
    code = (
        "import sys\n"
        "from smile_viewer.cli import build_parser\n"
        "build_parser()\n"
        "heavy = ('numba', 'scipy', 'dask', 'PySide6', 'vispy', 'matplotlib', 'smile_viewer.physics.models',\n"
        "         'smile_viewer.synth', 'smile_viewer.batch', 'smile_viewer.analysis.fitting',\n"
        "         'smile_viewer.analysis.windows', 'smile_viewer.compute')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
    ver = subprocess.run(
        [sys.executable, "-m", "smile_viewer", "--version"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ver.returncode == 0 and ver.stdout.strip() == f"smile-viewer {smile_viewer.__version__}"


def test_lazy_choices_load_on_first_use():
    calls = []

    def load():
        calls.append(1)
        return ["jorgensen", "cmem"]

    choices = common.LazyChoices(load)
    parser = common.ArgumentParser(prog="t")
    parser.add_argument("--model", choices=choices, metavar="MODEL", default="jorgensen")
    assert calls == []  # building the parser does not look them up
    assert parser.parse_args(["--model", "cmem"]).model == "cmem"
    assert calls == [1] and list(choices) == ["jorgensen", "cmem"] and len(choices) == 2
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(["--model", "shue"])
    assert exc.value.code == common.EXIT_USAGE
    assert calls == [1]  # looked up once


def test_fit_model_choices_are_the_registry_models():
    from smile_viewer.cli import fit
    from smile_viewer.physics import models

    assert tuple(fit.MODEL_CHOICES) == tuple(models.fittable_models())
    assert "jorgensen" in fit.MODEL_CHOICES and "shue" not in fit.MODEL_CHOICES


def test_parse_solar_wind_values():
    sw = common.parse_solar_wind("n=8, v=450, bz=-2, t=2e5, he=0.04")
    assert sw == SolarWind(
        n_cm3=8.0, v_gse_km_s=(-450.0, 0.0, 0.0), t_k=2e5, b_gsm_nt=(0.0, 0.0, -2.0), he_ratio=0.04
    )
    assert common.parse_solar_wind(None) == SolarWind()
    sw = common.parse_solar_wind("vx=-500,vy=30")
    assert sw.v_gse_km_s == (-500.0, 30.0, 0.0)
    for text, fragment in [
        ("v=400,vx=-400", "not both"),
        ("w=3", "unknown key"),
        ("n=1,n=2", "given twice"),
        ("n", "KEY=VALUE"),
        ("v=-3", "v must be > 0"),
        ("n=lots", "not a number"),
    ]:
        with pytest.raises(UserInputError, match=fragment):
            common.parse_solar_wind(text)


def test_number_parsers():
    assert common.parse_pixels("27x16") == (16, 27)  # (ny, nx) from W x H
    assert common.parse_triple(" 1, -2.5,3e1", "--aim") == (1.0, -2.5, 30.0)
    assert common.parse_params(["A1=3e-5", "r_mp = 10"]) == {"A1": 3e-5, "r_mp": 10.0}
    assert common.parse_int_in_range("400", "--max-evals", 5, 100000) == 400
    cases = [
        (lambda: common.parse_number("inf", "--roll"), "--roll: 'inf' is not a finite number"),
        (lambda: common.parse_positive("0", "--exposure"), "--exposure must be > 0, got '0'"),
        (lambda: common.parse_int("1.5", "--seed", 0), "--seed: '1.5' is not an integer"),
        (
            lambda: common.parse_int_in_range("3", "--max-evals", 5, 9),
            "--max-evals must be between 5 and 9, got 3",
        ),
        (lambda: common.parse_int_in_range("x", "--bin", 1, 9), "--bin must be an integer, got 'x'"),
        (lambda: common.parse_pixels("1x99999"), "--pixels 1x99999 out of range (2..8192 a side)"),
        (lambda: common.parse_params(["A1=1", "A1=2"]), "--param A1 given twice"),
    ]
    for call, message in cases:
        with pytest.raises(UserInputError) as exc:
            call()
        assert str(exc.value) == message
    with pytest.raises(argparse.ArgumentTypeError, match="out of range"):
        common.size_type("8x8")
    assert common.size_type("1280X720") == (1280, 720) and common.frame_type("GSM") == "gsm"
