"""mission."""
