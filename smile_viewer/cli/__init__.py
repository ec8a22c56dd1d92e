"""The ``smile-viewer`` command line.

``smile-viewer`` with no sub-command starts the desktop application. Each sub-command is one
module of this package, listed in :data:`COMMANDS` (``gui``, ``orbit``, ``render``, ``synth``,
``fit``, ``windows``, ``batch``, ...); ``smile-viewer --help`` lists them all and docs/cli.md
describes each. The modules parse option text into typed values and call the library
(:mod:`smile_viewer.synth`, :mod:`smile_viewer.batch`, :mod:`smile_viewer.analysis`, ...).

A user's mistake (bad time string, unknown frame, unreadable file) ends with exit status 2
and a one-line message on stderr, never a traceback.

Adding a command
----------------
1. Write ``smile_viewer/cli/<module>.py`` with two functions:

   - ``add_parser(sub) -> argparse.ArgumentParser``: ``p = sub.add_parser("cube-info", help=...)``,
     its options (strings as typed; ``type=`` only for the argparse converters of
     :mod:`smile_viewer.cli.common`), and ``return p``;
   - ``run(args: argparse.Namespace) -> int``: turn the option strings into typed values with
     :mod:`smile_viewer.cli.common` (``parse_number``, ``parse_solar_wind``, ... raise
     ``UserInputError`` with one line), call the library (which takes typed arguments: numbers,
     ``Path``, ``SolarWind``, arrays, dataclasses; never argparse objects or option strings),
     print what was written, return the exit status.

2. Add the module's name to :data:`COMMANDS` below (the order of ``--help``).

Keep the module's top-level imports light (argparse, pathlib, ``smile_viewer.errors``,
``smile_viewer.cli.common``): every command's parser is built at each start, so library imports
(numpy, astropy, dask, ...) go inside ``run()`` and ``smile-viewer --version`` stays fast. No
Qt or vispy at import time either (tests/test_layering.py imports every module of this package
headless; tests/test_cli_package.py checks that building the parser loads no numba, scipy,
dask, Qt or vispy). Choices that come from a slow library (the model registry) go in a
:class:`~smile_viewer.cli.common.LazyChoices` with a ``metavar``. Errors: raise
``UserInputError`` / ``DataFileError``; :func:`main` prints them.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

import smile_viewer
from smile_viewer.cli.common import EXIT_USAGE, FRAMES, ArgumentParser
from smile_viewer.errors import UserInputError

__all__ = ["COMMANDS", "EXIT_USAGE", "FRAMES", "build_parser", "gui_main", "main"]

#: The sub-command modules of this package, in the order of ``--help``: registering a command
#: is one entry here (module docstring).
COMMANDS = (
    "gui",
    "orbit",
    "render",
    "synth",
    "fit",
    "windows",
    "batch",
    "stack",
    "fit_series",
    "cube_info",
    "models",
    "tour",
    "oval",
)

#: The command run when none is given.
DEFAULT_COMMAND = "gui"


def _command_module(name: str):
    return importlib.import_module(f"{__name__}.{name}")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``smile-viewer`` (exposed for tests and docs)."""
    parser = ArgumentParser(
        prog="smile-viewer",
        description="SMILE magnetosphere viewer and synthetic SXI/UVI imager.",
    )
    parser.add_argument("--version", action="version", version=f"smile-viewer {smile_viewer.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    for name in COMMANDS:
        module = _command_module(name)
        module.add_parser(sub).set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    run = getattr(args, "_run", None) or _command_module(DEFAULT_COMMAND).run
    try:
        status = run(args)
        sys.stdout.flush()  # a closed pipe shows here, inside the handlers below
        return status
    except UserInputError as exc:
        print(f"smile-viewer: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        name = exc.filename or ""
        print(f"smile-viewer: error: {name}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("smile-viewer: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of our output went away (``smile-viewer models | head``): stop quietly;
        # stdout goes to devnull so the interpreter's final flush does not complain either
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def gui_main() -> int:
    """Entry point of the ``smile-viewer-gui`` launcher (desktop files, app bundles)."""
    return main(["gui"])
