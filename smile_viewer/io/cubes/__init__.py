"""placeholder"""
from smile_viewer.io.cubes._common import CubeInfo, CubeWarning, VariableInfo  # noqa: F401
from smile_viewer.io.cubes.fits_cube import read_fits_cube, write_fits_cube, fits_cube_info  # noqa: F401
