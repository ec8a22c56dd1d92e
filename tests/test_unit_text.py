"""Units written for display: superscripts for the Qt widgets, a slash for the 3-D view's font
(which has ² and ³ but no superscript minus)."""

from __future__ import annotations

import pytest

from smile_viewer.unit_text import unit_text, unit_text_slashed


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        ("eV cm^-3 s^-1", "eV cm⁻³ s⁻¹"),
        ("keV cm**-2 s**-1 sr**-1", "keV cm⁻² s⁻¹ sr⁻¹"),
        ("cm^(-3)", "cm⁻³"),
        ("nT", "nT"),
    ],
)
def test_unit_text_superscripts(units, expected):
    assert unit_text(units) == expected


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        ("eV cm^-3 s^-1", "eV/(cm³ s)"),
        ("keV cm^-2 s^-1 sr^-1", "keV/(cm² s sr)"),
        ("cm^-3", "1/cm³"),
        ("km s^-1", "km/s"),
        ("m^2", "m²"),
        ("nT", "nT"),
        ("", ""),
    ],
)
def test_unit_text_slashed_has_no_superscript_minus(units, expected):
    out = unit_text_slashed(units)
    assert out == expected and "⁻" not in out and "^" not in out
