"""_vispy."""
