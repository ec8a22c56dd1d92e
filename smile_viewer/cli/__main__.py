"""``python -m smile_viewer.cli``: the same as the ``smile-viewer`` command."""

from smile_viewer.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
