"""The whole application state, one evented model: :class:`AppState` (no Qt, no vispy).

::

    app = AppState()                      # defaults: first apogee, Shue 1998, Jorgensen, …
    app.scene.layers.magnetopause = False # every nested field has its own event
    app.model.solar_wind.n_cm3 = 10.0
    app.save("session.smile.json")              # a session file (atomic write)
    other = AppState.load("session.smile.json") # validated; SessionError on a bad or newer file
    app.update_from(other)                      # apply in place: views stay connected

Parts: ``scene`` (:class:`~smile_viewer.state.scene.SceneState`: time, frame, layers, styles,
camera preset), ``model`` (:class:`~smile_viewer.state.model.ModelState`: solar wind, models,
field lines), ``instruments`` (:class:`~smile_viewer.state.instruments.InstrumentsState`),
``volume`` (:class:`~smile_viewer.state.volume.EmissionVolumeSettings`) and ``tour``
(:class:`~smile_viewer.state.tour.Tour`: camera-tour keyframes; sessions without one load an empty tour).

Sessions: :meth:`AppState.save`, :meth:`AppState.load`, :meth:`AppState.to_json` and
:meth:`AppState.from_json` are thin calls into :mod:`smile_viewer.state.session`, the one
reader and writer of session files (format, versions, migrations, errors). A bad file raises
:class:`~smile_viewer.state.session.SessionError` before anything is applied, and
:meth:`AppState.update_from` is only called with a state that validated, so it changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from psygnal import EventedModel
from pydantic import ConfigDict, Field

from smile_viewer.state.instruments import InstrumentsState
from smile_viewer.state.model import ModelState
from smile_viewer.state.scene import SceneState
from smile_viewer.state.tour import Tour
from smile_viewer.state.volume import EmissionVolumeSettings

__all__ = ["AppState"]


class AppState(EventedModel):
    """Everything the user chose, for the whole application (see the module docstring)."""

    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    scene: SceneState = Field(default_factory=SceneState)
    model: ModelState = Field(default_factory=ModelState)
    instruments: InstrumentsState = Field(default_factory=InstrumentsState)
    volume: EmissionVolumeSettings = Field(default_factory=EmissionVolumeSettings)
    tour: Tour = Field(default_factory=Tour)  # camera tour keyframes (smile_viewer.state.tour)

    # -- sessions (smile_viewer.state.session does the work) -----------------------------
    def to_json(self, indent: int | None = 2) -> str:
        """This state as session-file text (the same state gives the same text)."""
        from smile_viewer.state.session import session_text  # lazy: import cycle (session imports AppState)

        return session_text(self, indent)

    @classmethod
    def from_json(cls, text: str | bytes, *, source: str = "session") -> AppState:
        """A new AppState from session text (any format version read); SessionError if bad."""
        from smile_viewer.state.session import parse_session  # lazy: import cycle (session imports AppState)

        return parse_session(text, source=source)

    def save(self, path) -> Path:
        """Write this state as a session file (atomically); returns its path."""
        from smile_viewer.state.session import save_session  # lazy: import cycle (session imports AppState)

        return save_session(path, self)

    @classmethod
    def load(cls, path) -> AppState:
        """A new AppState from a session file; SessionError (nothing changed) if it cannot be used."""
        from smile_viewer.state.session import load_session  # lazy: import cycle (session imports AppState)

        return load_session(path)

    # -- applying a loaded session ---------------------------------------------------------
    def update_from(self, other: AppState) -> None:
        """Make this state equal to ``other`` in place, nested models included, so that views
        and widgets bound to this state's models stay bound (each changed field emits)."""
        if not isinstance(other, AppState):
            raise TypeError(f"update_from needs an AppState, got {type(other).__name__}")
        self.update(other.model_dump(), recurse=True)
