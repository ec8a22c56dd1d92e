"""Session files: the one reader and writer of the whole application state (no Qt).

The desktop application (File ▸ Open/Save session…), ``smile-viewer render --session`` and the
Python API (:meth:`AppState.save <smile_viewer.state.app.AppState.save>` / ``load``) all call
this module, so a session saved by any of them opens in all of them. A session is JSON::

    {
      "format": "smile-viewer-session",
      "format_version": 2,
      "app_version": "0.1.0",
      "state": { ...AppState: scene, model, instruments, volume... }
    }

- :func:`save_session` writes it atomically (:mod:`smile_viewer.io.atomic`: a failure leaves an
  existing file as it was).
- :func:`load_session` checks the file (at most :data:`MAX_SESSION_BYTES`), the JSON, the
  envelope and the version, upgrades older formats, validates everything and returns a **new**
  :class:`AppState`; the caller applies it (``AppState.update_from``), so a bad file changes
  nothing. Any problem raises :class:`SessionError` (a :class:`~smile_viewer.errors.DataFileError`)
  with one line naming the file; a newer format raises :class:`SessionVersionError`.

Older files (format 1) are read in both layouts smile-viewer 0.1 wrote: the envelope of the
former ``smile_viewer.io.session`` (``"format"``, ``"schema_version": 1``, ``"saved_utc"``,
``"state"`` holding its own ``"schema_version"``) and the bare JSON of the former
``AppState.save`` (``{"schema_version": 1, "scene": …, "model": …}``). Sessions never hold code:
plain JSON validated by pydantic (no pickle).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

import smile_viewer
from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.atomic import atomic_write_text, check_output_path
from smile_viewer.io.checked_file import checked_path, parse_json
from smile_viewer.state.app import AppState

__all__ = [
    "FORMAT_VERSION",
    "MAX_SESSION_BYTES",
    "SESSION_FORMAT",
    "SESSION_SUFFIX",
    "SessionError",
    "SessionVersionError",
    "load_session",
    "parse_session",
    "save_session",
    "session_text",
]

#: Value of the envelope's ``"format"`` key.
SESSION_FORMAT = "smile-viewer-session"
#: Version of the session format written (and the newest read). 1: smile-viewer 0.1's two
#: layouts; 2: the single envelope above, no version inside ``"state"``.
FORMAT_VERSION = 2
#: Suggested file name extension (plain JSON inside).
SESSION_SUFFIX = ".smile.json"
#: Largest session file read, in bytes: a session is about 3 kB, so anything past 1 MiB is not
#: one and is refused before it is parsed.
MAX_SESSION_BYTES = 2**20


class SessionError(DataFileError):
    """A session that cannot be saved or loaded: ``str(exc)`` is ``"<file>: <problem>"`` (one line);
    ``exc.path`` and ``exc.problem`` hold the parts (a dialog shows the problem under the file)."""


class SessionVersionError(SessionError):
    """A session written by a newer smile-viewer (a format version this one does not read)."""


def _app_version() -> str:
    return smile_viewer.__version__


# -- writing ----------------------------------------------------------------------------------------
def _envelope(state: AppState) -> dict[str, Any]:
    if not isinstance(state, AppState):  # a programming error, not the user's
        raise TypeError(f"a session holds an AppState, got {type(state).__name__}")
    return {
        "format": SESSION_FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": _app_version(),
        "state": json.loads(state.model_dump_json()),
    }


def session_text(state: AppState, indent: int | None = 2) -> str:
    """The session file's text for ``state`` (stable: the same state gives the same text)."""
    return json.dumps(_envelope(state), indent=indent, ensure_ascii=False, allow_nan=False) + "\n"


def save_session(path, state: AppState) -> Path:
    """Write ``state`` as a session file (atomically) and return its path.

    Raises :class:`SessionError` when the directory does not exist, the path is a directory or
    the file cannot be written; an existing file is then left as it was.
    """
    if not isinstance(state, AppState):  # a programming error, not the user's
        raise TypeError(f"a session holds an AppState, got {type(state).__name__}")
    try:
        target = check_output_path(path)
    except UserInputError as exc:
        raise SessionError(path, _without_path(str(exc), path)) from None
    try:
        text = session_text(state)
    except (ValueError, TypeError) as exc:  # a value JSON cannot hold (NaN): say it plainly
        raise SessionError(target, f"cannot save the session: {exc}") from None
    try:
        atomic_write_text(target, text)
    except UserInputError as exc:  # "cannot write …: reason"
        raise SessionError(target, _without_path(str(exc), target)) from None
    return target


def _without_path(message: str, path) -> str:
    """'cannot write /a/b.json: No space' -> 'cannot write the file: No space' (the path leads)."""
    for p in {str(path), str(Path(os.fspath(path)).expanduser())}:
        message = message.replace(f"cannot write {p}", "cannot write the file").replace(f"output {p} ", "")
    return message


# -- reading ----------------------------------------------------------------------------------------
def _read_text(path: Path) -> str:
    try:  # pipes, devices, link loops refused without opening (io.checked_file)
        checked_path(path, "session", allow_empty=True, check_size=False)
    except DataFileError as exc:
        raise SessionError(path, exc.problem) from None
    try:
        if path.is_dir():
            raise SessionError(path, "is a directory, not a session file")
        size = path.stat().st_size
    except FileNotFoundError:
        raise SessionError(path, "no such file") from None
    except PermissionError:
        raise SessionError(path, "cannot read the file: permission denied") from None
    except OSError as exc:
        raise SessionError(path, f"cannot read the file: {exc.strerror or exc}") from None
    if size > MAX_SESSION_BYTES:
        raise SessionError(
            path,
            f"is {size / 2**20:.1f} MiB, too large for a session file "
            f"(at most {MAX_SESSION_BYTES // 2**20} MiB)",
        )
    try:
        data = path.read_bytes()
    except PermissionError:
        raise SessionError(path, "cannot read the file: permission denied") from None
    except OSError as exc:
        raise SessionError(path, f"cannot read the file: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SessionError(
            path,
            f"is not a text (UTF-8) file (undecodable byte at offset {exc.start}); "
            "not a smile-viewer session",
        ) from None


def _version(value, key: str, source) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SessionError(source, f'invalid session: "{key}" must be a whole number, got {_short(value)}')
    if value < 1:
        raise SessionError(source, f'invalid session: "{key}" must be 1 or more, got {value}')
    return value


def _unwrap(data: Any, source) -> tuple[int, str | None, dict]:
    """(format version, app version or None, state dict) of any layout this version reads."""
    if not isinstance(data, dict):
        raise SessionError(
            source,
            f"not a smile-viewer session: the file holds a JSON {_json_type(data)}, expected an object",
        )
    fmt = data.get("format")
    if fmt is not None and fmt != SESSION_FORMAT:
        raise SessionError(
            source, f"not a smile-viewer session (format is {_short(fmt)}, expected {SESSION_FORMAT!r})"
        )
    app_version = data.get("app_version") if isinstance(data.get("app_version"), str) else None
    if "state" in data:
        if "format_version" in data:  # format 2 and later
            version = _version(data["format_version"], "format_version", source)
        elif "schema_version" in data:  # format 1: the former smile_viewer.io.session envelope
            version = _version(data["schema_version"], "schema_version", source)
            if version > 1:  # that writer never went past 1
                _refuse_newer(source, version, app_version)
        else:
            raise SessionError(source, 'invalid session: no "format_version"')
        state = data["state"]
        if not isinstance(state, dict):
            raise SessionError(
                source, f'invalid session: "state" must be a JSON object, got {_json_type(state)}'
            )
        return version, app_version, state
    if fmt is None and "schema_version" in data:  # format 1: the former bare AppState.save JSON
        version = _version(data["schema_version"], "schema_version", source)
        if version > 1:
            _refuse_newer(source, version, None)
        return version, None, dict(data)
    if fmt == SESSION_FORMAT:
        raise SessionError(source, 'invalid session: no "state"')
    raise SessionError(source, 'not a smile-viewer session (no "format", "state" or "schema_version" key)')


def _refuse_newer(source, version: int, app_version: str | None):
    who = f"a newer smile-viewer ({app_version})" if app_version else "a newer smile-viewer"
    raise SessionVersionError(
        source,
        f"written by {who} in session format {version}; this is smile-viewer {_app_version()}, "
        f"which reads formats up to {FORMAT_VERSION}. Update smile-viewer to open it.",
    )


def _v1_to_v2(state: dict) -> dict:
    """Format 1 kept a copy of its version inside the state (``AppState.schema_version``); drop it."""
    state.pop("schema_version", None)
    return state


#: ``{v: f}``: ``f(state dict) -> state dict`` upgrades format ``v`` to ``v + 1``.
MIGRATIONS: dict[int, Callable[[dict], dict]] = {1: _v1_to_v2}


def parse_session(text: str | bytes, *, source="session") -> AppState:
    """Check, upgrade and validate session text (any layout :func:`load_session` reads) into a new
    :class:`AppState`. ``source`` names the text in messages (the file name)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SessionError(
                source,
                f"is not a text (UTF-8) file (undecodable byte at offset "
                f"{exc.start}); not a smile-viewer session",
            ) from None
    if not text.strip():
        raise SessionError(source, "the file is empty; not a smile-viewer session")
    try:  # NaN/Infinity, huge integers and deep nesting refused (io.checked_file)
        data = parse_json(text, source, "session")
    except DataFileError as exc:
        raise SessionError(
            source, exc.problem.replace("; not a session", "; the file is damaged or not a session")
        ) from None
    version, app_version, state = _unwrap(data, source)
    if version > FORMAT_VERSION:
        _refuse_newer(source, version, app_version)
    state = dict(state)
    for v in range(version, FORMAT_VERSION):
        step = MIGRATIONS.get(v)
        if step is not None:
            state = step(state)
    try:
        return AppState.model_validate_json(json.dumps(state))
    except ValidationError as exc:
        raise SessionError(source, "invalid session: " + _summarize(exc)) from None
    except (ValueError, TypeError) as exc:  # raised outside pydantic's validators
        raise SessionError(source, f"invalid session: {_one_line(str(exc))}") from None


def load_session(path) -> AppState:
    """Read a session file (any format up to :data:`FORMAT_VERSION`) into a new :class:`AppState`.

    Nothing is applied: the caller replaces its state with the result (``update_from``) only on
    success. Raises :class:`SessionError` (one line naming the file) for a missing, unreadable,
    oversized, damaged or invalid file, :class:`SessionVersionError` for a newer format.
    """
    p = Path(os.fspath(path)).expanduser()
    return parse_session(_read_text(p), source=p)


# -- messages ---------------------------------------------------------------------------------------
def _one_line(text: str) -> str:
    return " ".join(text.split())


def _json_type(value) -> str:
    return {
        dict: "object",
        list: "array",
        str: "string",
        bool: "boolean",
        int: "number",
        float: "number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _short(value, limit: int = 40) -> str:
    text = repr(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _loc(loc) -> str:
    parts: list[str] = []
    for item in loc:
        parts.append(f"[{item}]" if isinstance(item, int) else ("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


def _summarize(exc: ValidationError, limit: int = 2) -> str:
    """pydantic's errors in one line: ``field 'a.b': message (got 'x'); and 3 more problems``."""
    errors = exc.errors(include_url=False)
    lines = []
    for err in errors[:limit]:
        where = _loc(err.get("loc", ()))
        if err.get("type") == "missing":
            lines.append(f"field '{where}' is missing")
            continue
        got = err.get("input", None)
        shown = "" if isinstance(got, (dict, list)) else f" (got {_short(got)})"
        lines.append(f"field '{where}': {_one_line(str(err.get('msg', 'invalid value')))}{shown}")
    text = "; ".join(lines) if lines else _one_line(str(exc))
    more = len(errors) - limit
    if more > 0:
        text += f"; and {more} more problem{'s' if more > 1 else ''}"
    return text
