"""Astropy must never reach the network: IERS tables come from astropy-iers-data."""

from __future__ import annotations

import socket
import warnings

import numpy as np
import pytest
from astropy.time import Time
from astropy.utils import iers
from astropy.utils.data import conf as data_conf

import smile_viewer  # noqa: F401  (configures astropy)


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a socket fails the test."""

    def guard(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", guard)
    monkeypatch.setattr(socket, "create_connection", guard)
    monkeypatch.setattr(socket, "getaddrinfo", guard)


def test_astropy_configured_offline():
    assert iers.conf.auto_download is False
    assert data_conf.allow_internet is False


def test_ut1_inside_bundled_tables_needs_no_network(no_network):
    t = Time("2024-03-01T00:00:00", scale="utc")
    dut1 = (t.ut1.jd1 - t.utc.jd1) + (t.ut1.jd2 - t.utc.jd2)
    assert abs(dut1 * 86400.0) < 0.9  # |UT1-UTC| < 0.9 s by definition


def test_ut1_beyond_tables_degrades_with_a_warning_not_a_download(no_network):
    """A time far past the predictions: UT1 is extrapolated with a warning, no download."""
    t = Time(["2024-01-01", "2045-06-01"], scale="utc")
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        ut1 = t.ut1
    assert np.all(np.isfinite(ut1.jd))
