"""``smile-viewer oval FILE``: the auroral oval's poleward and equatorward edges per MLT sector in
a far-UV image (IMAGE FUV/WIC level-1), from the image after dayglow removal and from the fitted
dayglow + Zhang & Paxton (2008) aurora model, with their differences.

The work is :func:`smile_viewer.analysis.oval_edges.compare_oval_edges` (docs/analysis.md#oval-edges).
"""

from __future__ import annotations

import argparse

from smile_viewer.cli.common import parse_number, parse_positive


def add_parser(sub) -> argparse.ArgumentParser:
    """Register ``oval`` on the command line's sub-parsers."""
    p = sub.add_parser(
        "oval",
        help="auroral oval edges (MLAT per MLT sector) in an IMAGE FUV/WIC image and in the fitted model",
        description="Fit dayglow (cos SZA / cos DZA) + background + the Zhang & Paxton (2008) aurora to a "
        "far-UV image with per-pixel MLAT/MLT/SZA/DZA (IMAGE FUV level-1 IDL save files), then print the "
        "oval's poleward and equatorward edges per MLT sector in the image (dayglow removed) and in the "
        "fitted model, and their differences.",
    )
    p.add_argument("observation", metavar="FILE", help="IMAGE FUV level-1 file (.idl / .sav)")
    p.add_argument("--kp", metavar="KP", help="Kp of the aurora model (default: fitted, 0-9 in steps of 1/3)")
    p.add_argument(
        "--sector", metavar="H", default="1", help="MLT sector width [h] (default 1; must divide 24)"
    )
    p.add_argument(
        "--fraction",
        metavar="F",
        default="0.3",
        help="edge threshold as a fraction of the sector peak (default 0.3)",
    )
    p.add_argument("--json", metavar="OUT", help="also write the fit and the edges as JSON")
    p.add_argument(
        "--png", metavar="OUT", help="also draw the image (dayglow removed) and the edges as a PNG"
    )
    return p


def _fmt(v: float) -> str:
    return "   -- " if v != v else f"{v:5.1f}"


def run(args: argparse.Namespace) -> int:
    """Print the edges; a bad file or option raises DataFileError / UserInputError (exit 2)."""
    import json  # lazy: command-line start-up time

    import numpy as np  # lazy: command-line start-up time

    from smile_viewer.analysis.oval_edges import (  # lazy: start-up time
        NIGHT_SECTORS,
        compare_oval_edges,
        plot_oval_edges,
    )
    from smile_viewer.cli.common import check_output  # lazy: start-up time
    from smile_viewer.errors import UserInputError  # lazy: start-up time
    from smile_viewer.io.atomic import atomic_write_text  # lazy: start-up time
    from smile_viewer.io.observed import load_observed  # lazy: start-up time

    kp = None if args.kp is None else parse_number(args.kp, "--kp")
    sector = parse_positive(args.sector, "--sector")
    fraction = parse_number(args.fraction, "--fraction")
    out = check_output(args.json, "--json") if args.json else None
    png = check_output(args.png, "--png") if args.png else None
    obs = load_observed(args.observation)
    if "MLAT" not in obs.maps:
        raise UserInputError(
            f"{obs.path}: no per-pixel MLAT/MLT/SZA/DZA maps (an IMAGE FUV level-1 file has them)"
        )
    cmp = compare_oval_edges(obs, kp=kp, sector_h=sector, fraction=fraction)
    fit = cmp.fit
    print(f"file        {obs.path} ({obs.instrument.upper()}, {obs.time.utc.isot[:19]} UTC)")
    for note in obs.notes:
        print(f"read        {note}")
    print(
        f"fit         Kp {fit.kp:g} ({'fitted' if fit.kp_fitted else 'given'}), aurora x {fit.aurora_scale:.3g} of the "
        f"model, dayglow {fit.dayglow.scale:.4g} f {fit.dayglow.quadratic:+.4g} f^2 {fit.units} "
        f"(f = cos SZA / cos DZA), background {fit.dayglow.background:.4g} "
        f"{fit.units}, noise {fit.noise:.3g} {fit.units} ({int(fit.mask.sum())} pixels)"
    )
    for note in fit.notes:
        print(f"fit         {note}")
    print(f"edges       {cmp.image.method}")
    print("MLT [h]      image P  image E | model P  model E |   dP     dE  (model - image, deg MLAT)")
    for r in cmp.rows():
        a, b = r["mlt"]
        tag = " night" if r["night"] else ""
        why = f"  ({r['reason']})" if r["reason"] else ""
        print(
            f"{a:05.2f}-{b:05.2f}  {_fmt(r['image_poleward'])}   {_fmt(r['image_equatorward'])}  |"
            f" {_fmt(r['model_poleward'])}   {_fmt(r['model_equatorward'])}  | {_fmt(r['d_poleward'])}  "
            f"{_fmt(r['d_equatorward'])}{tag}{why}"
        )
    night = cmp.night_differences()
    for side in ("poleward", "equatorward"):
        d = night[side]
        d = d[np.isfinite(d)]
        if d.size:
            print(
                f"night {side:<12} |model - image| over MLT 21-03: median {np.median(d):.1f} deg, max {d.max():.1f} deg "
                f"({d.size} sectors)"
            )
        else:
            print(f"night {side:<12} no sector with edges in both")
    if out is not None:
        doc = {
            "file": str(obs.path),
            "time": obs.time.utc.isot,
            "fit": fit.summary(),
            "method": cmp.image.method,
            "night_sectors_start_h": list(NIGHT_SECTORS),
            "sectors": [
                {
                    k: (list(v) if isinstance(v, tuple) else (None if isinstance(v, float) and v != v else v))
                    for k, v in r.items()
                }
                for r in cmp.rows()
            ],
        }
        atomic_write_text(out, json.dumps(doc, indent=1) + "\n")
        print(f"wrote {out}")
    if png is not None:
        title = f"{obs.path.name}: {obs.instrument.upper()} {obs.time.utc.isot[:19]} UTC"
        print(f"wrote {plot_oval_edges(cmp, obs.maps['MLAT'], obs.maps['MLT'], png, title=title)}")
    return 0
