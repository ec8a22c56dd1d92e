"""Analysis: image comparison, statistics, model fitting, pointing windows.

- :mod:`.constraints` — the mission profile (``assets/mission/profile_default.json``) and the
  SXI/UVI observation constraints evaluated over many epochs at once;
- :mod:`.windows` — pointing windows from those constraints, their CSV/JSON files and the
  timeline plot.

Submodules are imported on demand (``from smile_viewer.analysis.windows import compute_windows``).
"""
