"""Make ``cmem_sample_61.fits.gz``, the small sample emissivity cube shipped with smile-viewer.

It is MODEL-GENERATED, not MHD output and not an observation: the Cusp-Magnetosheath
Emissivity Model (CMEM, Wharton et al. 2025; ``smile_viewer.physics.emissivity.CMEMModel``)
with its default parameters for a quiet solar wind, sampled on a uniform grid by
``smile_viewer.physics.volume.sample_model`` and written by
``smile_viewer.io.cubes.write_fits_cube`` in the FITS layout of the SMILE modelling
community's emissivity cubes (primary array (z, y, x), extensions x, y, z, solar wind in the
header), gzip-compressed (astropy reads .fits.gz directly). See PROVENANCE.md next to this file.

Run from the repository root (deterministic: the same smile-viewer gives the same values)::

    python assets/cubes/make_sample_cube.py
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np

from smile_viewer.io.cubes import read_fits_cube, write_fits_cube
from smile_viewer.physics.emissivity import cmem_defaults
from smile_viewer.physics.solar_wind import SolarWind
from smile_viewer.physics.volume import sample_model

OUT = Path(__file__).resolve().parent / "cmem_sample_61.fits.gz"
#: Quiet solar wind: n = 5 cm^-3, v = 400 km/s radial, T = 1e5 K, IMF Bz = +2 nT (GSM).
SOLAR_WIND = SolarWind(n_cm3=5.0, v_gse_km_s=(-400.0, 0.0, 0.0), t_k=1.0e5, b_gsm_nt=(0.0, 0.0, 2.0))
#: 61 nodes per axis at 0.5 R_E: x from -10 to 20, y and z from -15 to 15 R_E (GSM).
SHAPE = (61, 61, 61)
BOUNDS = ((-10.0, 20.0), (-15.0, 15.0), (-15.0, 15.0))


def main() -> int:
    model = cmem_defaults(SOLAR_WIND, tilt_rad=0.0)
    volume = sample_model(model, SHAPE, BOUNDS, frame="gsm")
    prov = dict(volume.provenance)
    prov.pop("elapsed_s", None)  # keep the file byte-for-byte reproducible
    prov["note"] = (
        "MODEL-GENERATED SAMPLE: CMEM (Wharton et al. 2025) with default parameters from the solar wind, "
        "sampled on a grid by smile-viewer. Not MHD output, not an observation."
    )
    prov["solar_wind"] = SOLAR_WIND.to_dict()
    prov["made_by"] = "assets/cubes/make_sample_cube.py"
    volume = type(volume)(volume.values, volume.origin_re, volume.spacing_re, frame=volume.frame,
                          units=volume.units, provenance=prov)  # fmt: skip
    write_fits_cube(OUT, volume, SOLAR_WIND, dipole_tilt_deg=0.0, original="model: CMEM (smile-viewer)")
    back = read_fits_cube(OUT)
    assert np.array_equal(back.values, volume.values)
    digest = hashlib.sha256(OUT.read_bytes()).hexdigest()
    v = volume.values
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes), sha256 {digest}")
    print(f"values: min {v.min():.4g}, max {v.max():.4g} eV cm^-3 s^-1; CMEM parameters {model.params}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
