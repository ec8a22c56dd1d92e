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


#: Status flags of documented values (the project's reference notes): exact, derived, approximate.
VALUE_STATUSES = ("[E]", "[D]", "[A]")


def documented_value(d: dict, key: str, path):
    """The ``value`` of a documented entry ``{"value", "status", "provenance"}`` of a config
    file, after checking that its status is one of :data:`VALUE_STATUSES` and that it names
    its provenance; ``DataFileError`` naming the file and the entry otherwise."""
    if key not in d:
        raise DataFileError(path, f"missing entry {key!r}")
    e = d[key]
    if not isinstance(e, dict) or "value" not in e:
        raise DataFileError(path, f"entry {key!r} must be an object with 'value', 'status' and 'provenance'")
    if e.get("status") not in VALUE_STATUSES:
        raise DataFileError(path, f"entry {key!r} needs a status, one of {', '.join(VALUE_STATUSES)}")
    if not str(e.get("provenance", "")).strip():
        raise DataFileError(path, f"entry {key!r} has no provenance")
    return e["value"]
