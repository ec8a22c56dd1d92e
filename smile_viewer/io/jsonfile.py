"""Reading the JSON configuration files users may edit (instruments, mission profiles, …).

One place for the error messages: a missing, unreadable or malformed file raises
:class:`~smile_viewer.errors.DataFileError` naming the file and the problem.
"""

from __future__ import annotations

import json
from pathlib import Path

from smile_viewer.errors import DataFileError


def read_json_file(path, what: str = "file"):
    """The parsed JSON content of ``path``; ``what`` names the kind of file in messages."""
    p = Path(path).expanduser()
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataFileError(p, f"no such {what}") from None
    except IsADirectoryError:
        raise DataFileError(p, f"is a directory, not a {what}") from None
    except UnicodeDecodeError:
        raise DataFileError(p, f"not a text file (expected a JSON {what})") from None
    except OSError as exc:
        raise DataFileError(p, f"cannot read: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFileError(p, f"not valid JSON: {exc}") from None
