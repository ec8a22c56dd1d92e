"""Reading the JSON configuration files users may edit (instruments, mission profiles, …).

One place for the error messages: a missing, unreadable or malformed file raises
:class:`~smile_viewer.errors.DataFileError` naming the file and the problem.
"""

from __future__ import annotations

from pathlib import Path

from smile_viewer.errors import DataFileError
from smile_viewer.io.checked_file import parse_json, read_text


def read_json_file(path, what: str = "file"):
    """The parsed JSON content of ``path``; ``what`` names the kind of file in messages."""
    p = Path(path).expanduser()
    try:  # regular file within the config size limit, UTF-8 (io.checked_file)
        text = read_text(p, "config", allow_empty=True)
    except DataFileError as exc:
        if exc.problem == "no such file":
            raise DataFileError(p, f"no such {what}") from None
        if exc.problem.startswith("is a directory"):
            raise DataFileError(p, f"is a directory, not a {what}") from None
        if " is not UTF-8 text" in exc.problem:
            raise DataFileError(p, f"not a text file (expected a JSON {what})") from None
        raise
    return parse_json(text, p, what)


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
