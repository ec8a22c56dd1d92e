"""Versioned JSON session files for any pydantic model (no Qt).

A session file is a JSON object, the application state wrapped in a small envelope::

    {
      "format": "smile-viewer-session",
      "schema_version": 3,
      "app_version": "0.4.0",
      "saved_utc": "2026-03-20T12:00:00Z",
      "state": { ...model.model_dump(mode="json")... }
    }

- :func:`save_session` writes it atomically (a failure leaves an existing file as it was).
- :func:`load_session` reads, checks and validates it and returns a **new** model, or raises
  :class:`SessionError` (a :class:`~smile_viewer.errors.UserInputError`) whose message says
  what is wrong in a line or two: file missing or unreadable, not JSON (with line and
  column), not a session, written by a newer smile-viewer, or fields that do not validate
  (naming the field). Nothing is applied before the whole file has validated, so the caller
  replaces its state only on success ("a bad file changes nothing").
- Older files are upgraded by optional ``migrations`` (``{from_version: function(dict) ->
  dict}``, each raising the data by one version) before validation.

Sessions never contain code: plain JSON validated by pydantic (no pickle).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.atomic import atomic_write_text, check_output_path

__all__ = [
    "SESSION_FORMAT",
    "SESSION_SUFFIX",
    "SessionError",
    "load_session",
    "read_session_envelope",
    "save_session",
    "summarize_validation_error",
]

#: Value of the envelope's ``format`` key.
SESSION_FORMAT = "smile-viewer-session"
#: Suggested file name extension for sessions (plain JSON inside).
SESSION_SUFFIX = ".smile.json"
#: Files larger than this are refused without being parsed (a session is a few kB).
MAX_SESSION_BYTES = 64 * 1024 * 1024

M = TypeVar("M", bound=BaseModel)


class SessionError(DataFileError):
    """A session file that cannot be saved or loaded; the message names the file and the problem.

    ``str(exc)`` is ``"<path>: <problem>"``; ``exc.path`` and ``exc.problem`` hold the parts
    (a dialog can show the problem under the file name).
    """


def _app_version() -> str:
    import smile_viewer

    return smile_viewer.__version__


# -- saving -----------------------------------------------------------------------------------------
def save_session(path, model: BaseModel, schema_version: int, *, app_version: str | None = None,
                 indent: int = 2) -> Path:
    """Write ``model`` as a session file of format version ``schema_version``; returns the path.

    The file is written atomically: to a temporary file in the same directory, then renamed
    over ``path`` (an existing session survives a failure unchanged). Raises
    :class:`SessionError` when the model cannot be serialised or the file cannot be written.
    """
    if isinstance(schema_version, bool) or not isinstance(schema_version, int) or schema_version < 1:
        raise ValueError(f"schema_version must be a positive integer, got {schema_version!r}")
    try:
        target = check_output_path(path)
    except UserInputError as exc:
        raise SessionError(path, str(exc)) from None
    try:
        state = model.model_dump(mode="json")
    except Exception as exc:  # a field pydantic cannot serialise: a bug, but say it plainly
        raise SessionError(target, f"cannot save the session: {type(exc).__name__}: {exc}") from exc
    envelope = {
        "format": SESSION_FORMAT,
        "schema_version": schema_version,
        "app_version": app_version if app_version is not None else _app_version(),
        "saved_utc": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "state": state,
    }
    text = json.dumps(envelope, indent=indent, ensure_ascii=False, allow_nan=False) + "\n"
    try:
        atomic_write_text(target, text)
    except UserInputError as exc:  # "cannot write …: reason"
        raise SessionError(target, _strip_path(str(exc), target)) from None
    return target


def _strip_path(message: str, path: Path) -> str:
    """'cannot write /a/b.json: Permission denied' -> 'cannot write the file: Permission denied'."""
    return message.replace(f"cannot write {path}", "cannot write the file")


# -- loading ----------------------------------------------------------------------------------------
def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise SessionError(path, "no such file") from None
    except PermissionError:
        raise SessionError(path, "cannot read the file: permission denied") from None
    except OSError as exc:
        raise SessionError(path, f"cannot read the file: {exc.strerror or exc}") from None
    if path.is_dir():
        raise SessionError(path, "is a directory, not a session file")
    if size > MAX_SESSION_BYTES:
        raise SessionError(path, f"is {size / 1e6:.0f} MB, too large for a session file "
                                 f"(at most {MAX_SESSION_BYTES // 2**20} MiB)")
    try:
        data = path.read_bytes()
    except PermissionError:
        raise SessionError(path, "cannot read the file: permission denied") from None
    except OSError as exc:
        raise SessionError(path, f"cannot read the file: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SessionError(path, f"is not a text (UTF-8) file (undecodable byte at offset {exc.start}); "
                                 "not a smile-viewer session") from None


def read_session_envelope(path) -> dict[str, Any]:
    """Read and check the envelope of a session file (no model validation, no version check).

    Returns the parsed JSON object. Raises :class:`SessionError` when the file is missing,
    unreadable, not JSON or not a smile-viewer session.
    """
    p = Path(os.fspath(path)).expanduser()
    text = _read_text(p)
    if not text.strip():
        raise SessionError(p, "the file is empty; not a smile-viewer session")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SessionError(p, f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
                              "the file is damaged or not a session") from None
    except RecursionError:
        raise SessionError(p, "not a session: JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise SessionError(p, f"not a smile-viewer session: the file holds a JSON {_json_type(data)}, "
                              "expected an object")
    fmt = data.get("format")
    if fmt != SESSION_FORMAT:
        if fmt is None and "state" not in data:
            raise SessionError(p, "not a smile-viewer session (no \"format\" or \"state\" key)")
        if fmt is not None:
            raise SessionError(p, f"not a smile-viewer session (format is {fmt!r}, "
                                  f"expected {SESSION_FORMAT!r})")
    version = data.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise SessionError(p, f"invalid session: \"schema_version\" must be an integer, got {version!r}")
    if version < 1:
        raise SessionError(p, f"invalid session: \"schema_version\" must be 1 or more, got {version}")
    if not isinstance(data.get("state"), dict):
        raise SessionError(p, f"invalid session: \"state\" must be a JSON object, "
                              f"got {_json_type(data.get('state'))}")
    return data


def load_session(path, model_cls: type[M], current_version: int, *,
                 migrations: Mapping[int, Callable[[dict], dict]] | None = None) -> M:
    """Read a session file written by :func:`save_session` and return a new, validated model.

    Parameters
    ----------
    path : str or Path
        The session file.
    model_cls : pydantic model class
        The state model (validated with ``model_cls.model_validate_json``, JSON semantics).
    current_version : int
        The newest ``schema_version`` this program understands. A file with a larger
        version is refused ("written by a newer smile-viewer …").
    migrations : mapping, optional
        ``{v: f}`` where ``f(state_dict) -> state_dict`` upgrades version ``v`` to ``v + 1``.
        Older files without a migration for some step are validated as they are (fields
        added since then take their defaults).

    Raises
    ------
    SessionError
        With a one- or two-line message naming the problem (and the field, for validation
        errors). Nothing is changed by a failed load: the caller applies the returned model.
    """
    p = Path(os.fspath(path)).expanduser()
    data = read_session_envelope(p)
    version: int = data["schema_version"]
    if version > current_version:
        written_by = data.get("app_version")
        who = f"a newer smile-viewer ({written_by})" if isinstance(written_by, str) and written_by \
            else "a newer smile-viewer"
        raise SessionError(
            p,
            f"written by {who} in session format {version}; this is smile-viewer {_app_version()}, "
            f"which reads formats up to {current_version}. Update smile-viewer to open it.",
        )
    state = data["state"]
    if migrations:
        for v in range(version, current_version):
            step = migrations.get(v)
            if step is None:
                continue
            try:
                state = step(dict(state))
            except Exception as exc:
                raise SessionError(p, f"cannot upgrade the session from format {v} to {v + 1}: "
                                      f"{type(exc).__name__}: {exc}") from exc
            if not isinstance(state, dict):
                raise TypeError(f"session migration from version {v} returned "
                                f"{type(state).__name__}, not dict")
    try:
        return model_cls.model_validate_json(json.dumps(state))
    except ValidationError as exc:
        raise SessionError(p, "invalid session: " + summarize_validation_error(exc)) from None
    except (ValueError, TypeError) as exc:  # raised outside pydantic's validators (e.g. post-init)
        raise SessionError(p, f"invalid session: {exc}") from None


# -- messages ---------------------------------------------------------------------------------------
def _json_type(value) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "number",
            float: "number", type(None): "null"}.get(type(value), type(value).__name__)


def _loc(loc) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


def _short(value, limit: int = 40) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summarize_validation_error(exc: ValidationError, *, limit: int = 2) -> str:
    """pydantic's errors in one or two lines: ``field 'a.b': message (got 'x'); and 3 more problems``."""
    errors = exc.errors(include_url=False)
    lines = []
    for err in errors[:limit]:
        where = _loc(err.get("loc", ()))
        msg = str(err.get("msg", "invalid value"))
        if err.get("type") == "missing":
            lines.append(f"field '{where}' is missing")
            continue
        got = err.get("input", None)
        shown = "" if isinstance(got, (dict, list)) else f" (got {_short(got)})"
        lines.append(f"field '{where}': {msg}{shown}")
    text = "; ".join(lines) if lines else str(exc).splitlines()[0]
    more = len(errors) - limit
    if more > 0:
        text += f"; and {more} more problem{'s' if more > 1 else ''}"
    return text
