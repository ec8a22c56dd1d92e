"""The whole application state, one evented model: :class:`AppState` (no Qt, no vispy).

::

    app = AppState()                      # defaults: first apogee, Shue 1998, Jorgensen, …
    app.scene.layers.magnetopause = False # every nested field has its own event
    app.model.solar_wind.n_cm3 = 10.0
    text = app.to_json()                  # versioned JSON (``schema_version``)
    app.save("session.json")              # atomic write
    other = AppState.load("session.json") # validated; SessionError on a bad or newer file
    app.update_from(other)                # apply in place: views stay connected

Parts: ``scene`` (:class:`~smile_viewer.state.scene.SceneState`: time, frame, layers, styles,
camera preset), ``model`` (:class:`~smile_viewer.state.model.ModelState`: solar wind, models,
field lines), ``instruments`` (:class:`~smile_viewer.state.instruments.InstrumentsState`) and
``volume`` (:class:`~smile_viewer.state.volume.EmissionVolumeSettings`).

Sessions: :data:`SCHEMA_VERSION` is written into every file. Reading checks, in order, that
the text is JSON, that it is an object with a ``schema_version`` this version can read (a
newer one raises :class:`SessionVersionError` saying so), then validates everything; any
problem raises :class:`SessionError` (a :class:`~smile_viewer.errors.UserInputError`) naming
the file and the fields, and :meth:`AppState.update_from` is only called with a state that
validated, so a bad file changes nothing.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from psygnal import EventedModel
from pydantic import ConfigDict, Field, ValidationError, field_validator

from smile_viewer.errors import UserInputError
from smile_viewer.state.instruments import InstrumentsState
from smile_viewer.state.model import ModelState
from smile_viewer.state.scene import SceneState
from smile_viewer.state.volume import EmissionVolumeSettings

__all__ = ["SCHEMA_VERSION", "AppState", "SessionError", "SessionVersionError"]

#: Version of the session format this code writes (and the newest it reads).
SCHEMA_VERSION = 1
#: Largest session file read (a session is a few kB; refuse anything absurd before parsing).
_MAX_SESSION_BYTES = 5_000_000


class SessionError(UserInputError):
    """A session file or text that cannot be used (message names the file and the problem)."""


class SessionVersionError(SessionError):
    """A session written by a newer smile-viewer (a schema this version does not know)."""


def _format_validation_error(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors()[:8]:
        loc = ".".join(str(p) for p in err.get("loc", ())) or "(top level)"
        msg = err.get("msg", "invalid")
        lines.append(f"{loc}: {msg}")
    more = len(exc.errors()) - 8
    if more > 0:
        lines.append(f"… and {more} more")
    return "; ".join(lines)


class AppState(EventedModel):
    """Everything the user chose, for the whole application (see the module docstring)."""

    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    schema_version: int = SCHEMA_VERSION
    scene: SceneState = Field(default_factory=SceneState)
    model: ModelState = Field(default_factory=ModelState)
    instruments: InstrumentsState = Field(default_factory=InstrumentsState)
    volume: EmissionVolumeSettings = Field(default_factory=EmissionVolumeSettings)

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value > SCHEMA_VERSION:
            raise ValueError(f"schema_version {value} is newer than this smile-viewer reads ({SCHEMA_VERSION})")
        if value < 1:
            raise ValueError(f"schema_version {value} is not a smile-viewer session version")
        return value

    # -- JSON ------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (``schema_version`` first)."""
        data = json.loads(self.model_dump_json())
        data["schema_version"] = SCHEMA_VERSION
        return {"schema_version": SCHEMA_VERSION, **{k: v for k, v in data.items() if k != "schema_version"}}

    def to_json(self, indent: int | None = 2) -> str:
        """The session as JSON text (stable key order, ``schema_version`` first)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "session") -> AppState:
        """Validate plain data (as :meth:`to_dict` gives) into a new AppState; SessionError if bad."""
        if not isinstance(data, dict):
            raise SessionError(f"{source}: not a smile-viewer session (expected a JSON object, got {type(data).__name__})")
        if "schema_version" not in data:
            raise SessionError(f"{source}: not a smile-viewer session (no schema_version)")
        version = data["schema_version"]
        if isinstance(version, bool) or not isinstance(version, int):
            raise SessionError(f"{source}: schema_version must be a whole number, got {version!r}")
        if version > SCHEMA_VERSION:
            raise SessionVersionError(
                f"{source}: written by a newer smile-viewer (session schema {version}; this version reads "
                f"up to {SCHEMA_VERSION}). Update smile-viewer to open it."
            )
        data = _migrate(dict(data), version)
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise SessionError(f"{source}: invalid session: {_format_validation_error(exc)}") from None
        except (ValueError, TypeError) as exc:
            raise SessionError(f"{source}: invalid session: {exc}") from None

    @classmethod
    def from_json(cls, text: str | bytes, *, source: str = "session") -> AppState:
        """Parse and validate session JSON text into a new AppState; SessionError if bad."""
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SessionError(f"{source}: not valid JSON ({exc})") from None
        return cls.from_dict(data, source=source)

    # -- files -----------------------------------------------------------------------------
    def save(self, path) -> Path:
        """Write the session to ``path`` atomically (a temporary file, then a rename)."""
        out = Path(path).expanduser()
        if out.is_dir():
            raise SessionError(f"{out} is a directory; give a file name")
        parent = out.resolve().parent
        if not parent.is_dir():
            raise SessionError(f"{out}: directory {parent} does not exist")
        text = self.to_json()
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, out)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
        return out

    @classmethod
    def load(cls, path) -> AppState:
        """Read and validate a session file into a new AppState; SessionError if it cannot be used."""
        p = Path(path).expanduser()
        try:
            size = p.stat().st_size
        except FileNotFoundError:
            raise SessionError(f"{p}: no such session file") from None
        except OSError as exc:
            raise SessionError(f"{p}: cannot read ({exc.strerror or exc})") from None
        if p.is_dir():
            raise SessionError(f"{p} is a directory, not a session file")
        if size > _MAX_SESSION_BYTES:
            raise SessionError(f"{p}: {size} bytes is far too large for a session file")
        try:
            text = p.read_bytes()
        except OSError as exc:
            raise SessionError(f"{p}: cannot read ({exc.strerror or exc})") from None
        return cls.from_json(text, source=str(p))

    # -- applying a loaded session ---------------------------------------------------------
    def update_from(self, other: AppState) -> None:
        """Make this state equal to ``other`` in place, nested models included, so that views
        and widgets bound to this state's models stay bound (each changed field emits)."""
        if not isinstance(other, AppState):
            raise TypeError(f"update_from needs an AppState, got {type(other).__name__}")
        data = other.model_dump()
        data.pop("schema_version", None)
        self.update(data, recurse=True)


def _migrate(data: dict, version: int) -> dict:
    """Bring session data of an older schema up to :data:`SCHEMA_VERSION` (none yet)."""
    data["schema_version"] = SCHEMA_VERSION
    return data
