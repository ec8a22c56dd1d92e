"""coords."""
