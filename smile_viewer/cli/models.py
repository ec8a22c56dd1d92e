"""``smile-viewer models``: the registered emissivity and boundary models, with their parameters.

The list is :mod:`smile_viewer.physics.models`, the one registry every other command and the
desktop application read.
"""

from __future__ import annotations

import argparse


def add_parser(sub) -> argparse.ArgumentParser:
    """Register ``models`` on the command line's sub-parsers."""
    p = sub.add_parser(
        "models",
        help="list the models (keys for --model), their parameters, units and fit bounds",
        description="List the emissivity sources and magnetopause / bow-shock models of the model registry: "
        "the names --model takes, each model's citation and its parameters (units, fit bounds).",
    )
    p.add_argument("model", nargs="?", metavar="NAME", help="show one model in full")
    return p


def _bounds(lo: float, hi: float) -> str:
    return f"[{lo:g}, {hi:g}]" if (lo, hi) != (float("-inf"), float("inf")) else "free"


def run(args: argparse.Namespace) -> int:
    """Print the registry (or one model); an unknown name raises UserInputError (exit 2)."""
    from smile_viewer.physics import models as registry

    if args.model:
        e = registry.emissivity_model(args.model)
        print(f"{e.key}: {e.title}")
        print(f"  {e.citation}")
        where = {
            "analytic": f"analytic, {e.frame.upper()}",
            "file": f"read from a file: --model {e.key}:PATH",
            "aurora": "UVI emission shell",
            "dayglow": "UV background on the image's own SZA/DZA maps (smile-viewer oval)",
        }.get(e.kind, e.kind)
        print(f"  {where}; band {e.band.upper()}")
        for p in e.parameters + e.fit_inputs:
            unit = f" [{p.unit}]" if p.unit else ""
            size = "  (magnetopause size: freed by default in fits)" if p.name == e.size_parameter else ""
            print(f"  {p.name:<13}{p.description}{unit}; fit bounds {_bounds(*p.bounds)}{size}")
        return 0
    print("Emissivity sources (--model):")
    for key, e in registry.emissivity_models().items():
        name = f"{key}:PATH" if e.kind == "file" else key
        fit = ", fittable" if e.fittable else ""
        n = len(e.parameters)
        print(f"  {name:<13}{e.title} ({e.band.upper()}{fit}; {n} parameter{'' if n == 1 else 's'})")
    print("Magnetopause models:")
    for key, b in registry.magnetopause_models().items():
        print(f"  {key:<13}{b.title}{' (needs the dipole tilt, GSM)' if b.needs_tilt else ''}")
    print("Bow-shock models:")
    for key, b in registry.bow_shock_models().items():
        print(f"  {key:<13}{b.title}")
    print("'smile-viewer models NAME' lists a model's parameters.")
    return 0
