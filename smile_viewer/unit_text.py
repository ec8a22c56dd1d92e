"""Units and powers of ten written for display: ``cm^-3`` → ``cm⁻³``, astropy units in unicode,
``10⁻⁵`` (shared by the image panels, the line-of-sight plot and the cut plane's colour bar)."""

from __future__ import annotations

import re

__all__ = ["SUPERSCRIPT", "unit_text", "unit_text_slashed"]

#: str.translate table: digits and minus sign to their superscript forms.
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")

_UNIT_POWER = re.compile(r"\^\(?(-?\d+)\)?|\*\*\(?(-?\d+)\)?")
_FACTOR = re.compile(r"^(?P<base>[^\^*]+)(?:\^|\*\*)\(?(?P<power>-?\d+)\)?$")


def unit_text(units) -> str:
    """Units for display: astropy units in unicode; "cm^-2" / "cm**-2" written as "cm⁻²"."""
    if not isinstance(units, str):
        try:
            return units.to_string("unicode")
        except Exception:  # noqa: BLE001 - not an astropy unit: show its str()
            units = str(units)
    return _UNIT_POWER.sub(lambda m: (m.group(1) or m.group(2)).translate(SUPERSCRIPT), units.strip())


def unit_text_slashed(units: str) -> str:
    """Units for a font without a superscript minus (the 3-D view's text): factors with a
    negative power go under a slash, ``"eV cm^-3 s^-1"`` → ``"eV/(cm³ s)"``, ``"cm^-3"`` →
    ``"1/cm³"``; positive powers as superscripts (² and ³ are in every font)."""
    num, den = [], []
    for factor in str(units).split():
        m = _FACTOR.match(factor)
        if m is None:
            num.append(factor)
            continue
        base, power = m.group("base"), int(m.group("power"))
        text = base if abs(power) == 1 else base + str(abs(power)).translate(SUPERSCRIPT)
        (den if power < 0 else num).append(text)
    top = " ".join(num) or ("1" if den else "")
    if not den:
        return top
    return f"{top}/{den[0]}" if len(den) == 1 else f"{top}/({' '.join(den)})"
