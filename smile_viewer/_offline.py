"""Keep astropy from reaching the network.

smile-viewer must work on machines with no network access. Astropy would otherwise try to
download the IERS-A Earth-orientation table when a time lies beyond the table bundled in
``astropy-iers-data``; here it uses the bundled tables only and, beyond them, degrades
gracefully (UT1-UTC extrapolated, a warning) instead of downloading.
"""

from __future__ import annotations

_configured = False


def configure_astropy_offline() -> None:
    """Switch astropy to bundled IERS tables and forbid downloads (idempotent)."""
    global _configured
    if _configured:
        return
    from astropy.utils import iers
    from astropy.utils.data import conf as data_conf

    iers.conf.auto_download = False
    iers.conf.auto_max_age = None
    iers.conf.iers_degraded_accuracy = "warn"
    data_conf.allow_internet = False
    _configured = True
