"""smile-viewer: the SMILE magnetosphere viewer and synthetic SXI/UVI imager.

Importing the package configures astropy for offline use (no IERS or data downloads at
run time); the layers are imported on demand:

- ``smile_viewer.coords``   space-physics frames (GEI, GEO, GSE, GSM, SM) and dipole tilt
- ``smile_viewer.physics``  solar wind, boundaries, exosphere, emissivity
- ``smile_viewer.mission``  orbit and instruments
- ``smile_viewer.compute``  ray-marching backends
- ``smile_viewer.io``       file formats
- ``smile_viewer.analysis`` comparison, fitting, pointing windows
- ``smile_viewer.state``    evented application state (no Qt)
- ``smile_viewer._vispy`` / ``smile_viewer._qt``  the 3-D scene and the desktop application
"""

__version__ = "0.1.0"

from smile_viewer import _offline as _offline

_offline.configure_astropy_offline()
