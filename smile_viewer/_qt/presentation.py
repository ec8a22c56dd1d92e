"""Presentation mode: the 3-D view full screen for a talk, driven from the keyboard.

View ▸ Present (F11; ``smile-viewer gui --present [SESSION]``): docks, menus and status bar
hidden, the window full screen, the caption and legend grown for a projector, the
"magnetosphere" camera preset (bow-shock nose to 30 R_E down the tail) as the first view, and
one "calm ↔ storm" slider that sets the solar wind's n, v and Bz together (:data:`STORM_PRESETS`).

Keys while presenting: space play/pause, ←/→ step the time (15 min; with Shift 1 h), 1–9 jump
to the tour's stops, F11 or Esc leave — the window comes back exactly as it was (dock geometry
and state, window geometry and state, menus, status bar, HUD size). While the camera moves the
view draws at interactive quality (``SceneView.set_interactive``: a coarser emission volume),
at full quality when it rests. Details: docs/tours.md#presentation-mode.
"""

from __future__ import annotations

import dataclasses
import math

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QFrame, QGridLayout, QLabel, QSlider, QWidget

from smile_viewer._qt.pyside_compat import apply_pyside_fixes
from smile_viewer._vispy import scene as _scene
from smile_viewer.state.tour import turntable_from_pose

apply_pyside_fixes()

__all__ = ["STORM_PRESETS", "Presentation", "StormControl", "StormPreset", "solar_wind_at"]


@dataclasses.dataclass(frozen=True)
class StormPreset:
    """A typical solar wind: density [cm^-3], speed [km/s], IMF Bz [nT, GSM]."""

    name: str
    n_cm3: float
    v_km_s: float
    bz_nt: float
    note: str


#: Calm, moderate and storm solar wind at 1 AU.
#: - quiet: the most common slow wind, n ≈ 5 cm⁻³ and v ≈ 400 km/s (the medians of two solar cycles
#:   of Wind data: Wilson et al. 2018, ApJS 236, 41) with a weak northward IMF;
#: - moderate: a dense, faster stream with Bz = −5 nT, the threshold Gonzalez et al. (1994, JGR 99,
#:   5771, "What is a geomagnetic storm?") give for a moderate storm (Bz < −5 nT for ≥ 2 h);
#: - storm: the sheath and ejecta of a fast CME, n ≈ 20 cm⁻³, v ≈ 750 km/s, Bz = −20 nT — well past
#:   Gonzalez et al.'s intense-storm threshold (Bz < −10 nT for ≥ 3 h); typical of the geoeffective
#:   ICMEs catalogued by Richardson & Cane (2010, Sol. Phys. 264, 189).
STORM_PRESETS: tuple[StormPreset, ...] = (
    StormPreset("Quiet", 5.0, 400.0, 2.0, "typical slow solar wind"),
    StormPreset("Moderate", 10.0, 500.0, -5.0, "moderate-storm driving"),
    StormPreset("CME storm", 20.0, 750.0, -20.0, "fast CME sheath"),
)

#: Slider positions (0..SLIDER_MAX) of the presets.
SLIDER_MAX = 100


def solar_wind_at(position: float) -> tuple[float, float, float]:
    """(n [cm^-3], v [km/s], Bz [nT]) at ``position`` in 0..1 between calm (0), moderate (½)
    and storm (1): piecewise between the presets, density geometric, speed and Bz linear."""
    x = min(max(float(position), 0.0), 1.0) * (len(STORM_PRESETS) - 1)
    i = min(int(x), len(STORM_PRESETS) - 2)
    u = x - i
    a, b = STORM_PRESETS[i], STORM_PRESETS[i + 1]
    n = math.exp(math.log(a.n_cm3) + u * (math.log(b.n_cm3) - math.log(a.n_cm3)))
    return n, a.v_km_s + u * (b.v_km_s - a.v_km_s), a.bz_nt + u * (b.bz_nt - a.bz_nt)


class StormControl(QFrame):
    """The "calm ↔ storm" slider with the presets' numbers and the values it sets."""

    valueChosen = Signal(float, float, float)  # n [cm^-3], v [km/s], Bz [nT]

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("stormControl")
        self.setStyleSheet(
            "#stormControl { background: rgba(4, 6, 16, 205); border-radius: 10px; }"
            "#stormControl QLabel { color: #e6ebf5; font-size: 15px; }"
            "#stormControl QLabel#stormTitle { font-size: 19px; font-weight: bold; }"
            "#stormControl QLabel#stormValues { font-size: 18px; color: #ffd98a; }"
        )
        grid = QGridLayout(self)
        grid.setContentsMargins(18, 12, 18, 12)
        title = QLabel("Solar wind:  calm  ↔  storm", self)
        title.setObjectName("stormTitle")
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setObjectName("stormSlider")
        self.slider.setRange(0, SLIDER_MAX)
        self.slider.setPageStep(SLIDER_MAX // 2)
        self.slider.setTickInterval(SLIDER_MAX // 2)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the arrow keys step the time
        self.slider.setMinimumWidth(460)
        self.values = QLabel("", self)
        self.values.setObjectName("stormValues")
        grid.addWidget(title, 0, 0, 1, 3)
        grid.addWidget(self.slider, 1, 0, 1, 3)
        align = (Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignHCenter, Qt.AlignmentFlag.AlignRight)
        for col, (p, al) in enumerate(zip(STORM_PRESETS, align)):
            lab = QLabel(
                f"<b>{p.name}</b><br>{p.n_cm3:g} cm⁻³ · {p.v_km_s:g} km/s<br>Bz {p.bz_nt:+g} nT", self
            )
            lab.setAlignment(al)
            lab.setToolTip(p.note)
            grid.addWidget(lab, 2, col)
        grid.addWidget(self.values, 3, 0, 1, 3)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)  # one model rebuild per pause in the drag
        self._timer.timeout.connect(self._emit)
        self.slider.valueChanged.connect(self._on_slider)

    def position(self) -> float:
        return self.slider.value() / SLIDER_MAX

    def set_position(self, position: float, emit: bool = True) -> None:
        self.slider.blockSignals(not emit)
        self.slider.setValue(round(min(max(position, 0.0), 1.0) * SLIDER_MAX))
        self.slider.blockSignals(False)
        self._show(*solar_wind_at(self.position()))
        if emit:
            self._timer.stop()
            self._emit()

    def show_values(self, n: float, v: float, bz: float) -> None:
        """Show the solar wind now in use (set elsewhere too: a session, the model dock)."""
        self._show(n, v, bz)

    def _show(self, n, v, bz) -> None:
        self.values.setText(f"now:  n = {n:.1f} cm⁻³   v = {v:.0f} km/s   Bz = {bz:+.1f} nT")

    def _on_slider(self, _value: int) -> None:
        self._show(*solar_wind_at(self.position()))
        self._timer.start()

    def _emit(self) -> None:
        self.valueChosen.emit(*solar_wind_at(self.position()))


def _nearest_position(n: float, v: float, bz: float) -> float:
    """Slider position whose solar wind is closest to (n, v, Bz) (in units of the full ranges)."""
    best, best_d = 0.0, float("inf")
    lo, hi = STORM_PRESETS[0], STORM_PRESETS[-1]
    for k in range(SLIDER_MAX + 1):
        nn, vv, bb = solar_wind_at(k / SLIDER_MAX)
        d = (
            (math.log(nn / n) / math.log(hi.n_cm3 / lo.n_cm3)) ** 2
            + ((vv - v) / (hi.v_km_s - lo.v_km_s)) ** 2
            + ((bb - bz) / (hi.bz_nt - lo.bz_nt)) ** 2
        )
        if d < best_d:
            best, best_d = k / SLIDER_MAX, d
    return best


class Presentation(QObject):
    """Presentation mode of a :class:`~smile_viewer._qt.main_window.MainWindow`.

    ``enter()`` / ``leave()`` (or ``toggle()``, the View ▸ Present action, F11). ``active`` says
    whether it is on. The layout saved on entering is restored exactly on leaving.
    """

    #: HUD size while presenting (relative to the window's normal HUD).
    HUD_SCALE = 1.6
    #: Time steps of ←/→ (and with Shift) [s].
    STEP_S = 15 * 60.0
    BIG_STEP_S = 3600.0

    toggled = Signal(bool)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.active = False
        self._saved: dict | None = None
        self.action = QAction("&Present (full screen)", window)
        self.action.setObjectName("action_present")
        self.action.setCheckable(True)
        self.action.setShortcut(QKeySequence(Qt.Key.Key_F11))
        self.action.setStatusTip("Full screen for a talk: docks hidden, big caption, calm ↔ storm control")
        self.action.toggled.connect(self._on_action)
        window.addAction(self.action)  # F11 works with the menu bar hidden too
        self.storm = StormControl(window)
        self.storm.hide()
        self.storm.valueChosen.connect(self._set_solar_wind)
        self.caption = QLabel("", window)
        self.caption.setObjectName("presentationCaption")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet(
            "#presentationCaption { color: #f5f7ff; background: rgba(0, 0, 8, 170); font-size: 30px;"
            " font-weight: bold; padding: 10px 26px; border-radius: 10px; }"
        )
        self.caption.hide()
        self.stop_index: int | None = None

    # -- entering and leaving -------------------------------------------------------------
    def toggle(self) -> None:
        self.leave() if self.active else self.enter()

    def _on_action(self, on: bool) -> None:
        if on != self.active:
            self.enter() if on else self.leave()

    def enter(self) -> None:
        """Full screen, docks hidden, big HUD, the magnetosphere preset, keys on."""
        if self.active:
            return
        w = self.window
        docks = w.findChildren(QDockWidget)
        self._saved = {
            "state": w.saveState(),
            "geometry": w.saveGeometry(),
            "rect": w.geometry(),
            "window_state": w.windowState(),
            "menu": w.menuBar().isVisible(),
            "status": w.statusBar().isVisible(),
            "docks": {d.objectName(): d.isVisible() for d in docks},
            "hud_scale": w.scene_view.hud_scale,
            "preset": w.state.camera_preset,
            "disabled": [a for a in self._conflicting_actions() if a.isEnabled()],
        }
        self.active = True
        for a in self._saved["disabled"]:
            a.setEnabled(False)  # space and Esc are ours now
        for d in docks:
            d.hide()
        w.menuBar().hide()
        w.statusBar().hide()
        w.scene_view.set_hud_scale(self.HUD_SCALE)
        if w.state.camera_preset == "magnetosphere":
            w.scene_view.apply_camera_preset("magnetosphere")
        else:
            w.state.camera_preset = "magnetosphere"
        sw = w.app_state.model.solar_wind
        self.storm.set_position(_nearest_position(sw.n_cm3, sw.v_km_s, sw.bz_nt), emit=False)
        self.storm.show_values(sw.n_cm3, sw.v_km_s, sw.bz_nt)
        w.showFullScreen()
        QTimer.singleShot(200, self._fill_screen)
        self.storm.show()
        self.storm.raise_()
        self._place_overlays()
        w.installEventFilter(self)
        QApplication.instance().installEventFilter(self)
        self._sync_action(True)
        self.toggled.emit(True)

    def leave(self) -> None:
        """Back to the window exactly as it was before :meth:`enter`."""
        if not self.active:
            return
        QApplication.instance().removeEventFilter(self)
        w = self.window
        w.removeEventFilter(self)
        saved = self._saved or {}
        self.active = False
        self.storm.hide()
        self.caption.hide()
        w.scene_view.set_hud_scale(saved.get("hud_scale", 1.0))
        w.showNormal()  # out of full screen first, then the saved state and geometry
        w.setWindowState(saved.get("window_state", Qt.WindowState.WindowNoState))
        if "geometry" in saved:
            w.restoreGeometry(saved["geometry"])
        if "rect" in saved and not (
            w.windowState() & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen)
        ):
            w.setGeometry(saved["rect"])  # exactly (restoreGeometry may move by the frame's margins)
        w.menuBar().setVisible(saved.get("menu", True))
        w.statusBar().setVisible(saved.get("status", True))
        if "state" in saved:
            w.restoreState(saved["state"])
        for d in w.findChildren(QDockWidget):
            vis = saved.get("docks", {}).get(d.objectName())
            if vis is not None and d.isVisible() != vis:
                d.setVisible(vis)
        for a in saved.get("disabled", []):
            a.setEnabled(True)
        if saved.get("preset") and saved["preset"] != w.state.camera_preset:
            w.state.camera_preset = saved["preset"]
        self._saved = None
        self._sync_action(False)
        self.toggled.emit(False)

    def _sync_action(self, on: bool) -> None:
        self.action.blockSignals(True)
        self.action.setChecked(on)
        self.action.blockSignals(False)

    def _conflicting_actions(self) -> list:
        w = self.window
        return [
            a
            for a in (getattr(w, "play_action", None), getattr(w, "clear_los_action", None))
            if a is not None
        ]

    def _fill_screen(self) -> None:
        """Without a window manager (a bare X server) full screen is only a flag: fill the
        screen by hand."""
        w = self.window
        if not self.active:
            return
        screen = w.screen().geometry() if w.screen() is not None else None
        if screen is not None and w.frameGeometry().size() != screen.size():
            w.setGeometry(screen)
        self._place_overlays()

    def _place_overlays(self) -> None:
        """The storm control at the bottom left, clear of the credit line; the caption across
        the bottom above it, wrapped when long."""
        w = self.window
        rect = w.centralWidget().geometry() if w.centralWidget() is not None else w.rect()
        self.storm.adjustSize()
        sh = self.storm.sizeHint()
        bottom = rect.bottom() - 48  # the HUD's credit line below
        self.storm.setGeometry(rect.left() + 24, bottom - sh.height(), sh.width(), sh.height())
        if self.caption.text():
            cw = min(self.caption.sizeHint().width() + 8, rect.width() - 96)
            self.caption.setFixedWidth(max(cw, 200))
            ch = self.caption.heightForWidth(self.caption.width())
            ch = ch if ch > 0 else self.caption.sizeHint().height()
            x = rect.left() + (rect.width() - self.caption.width()) // 2
            self.caption.setGeometry(x, bottom - sh.height() - 20 - ch, self.caption.width(), ch)
            self.caption.raise_()

    # -- what the keys do -------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:
        if not self.active:
            return False
        et = event.type()
        if et == QEvent.Type.Close and obj is self.window:
            self.leave()  # before the window saves its layout: the user's, not the full screen's
            return False
        if et == QEvent.Type.Resize and obj is self.window:
            QTimer.singleShot(0, self._place_overlays)
            return False
        if et == QEvent.Type.KeyPress and self._is_ours(obj):
            return self.handle_key(event.key(), event.modifiers())
        return False

    def _is_ours(self, obj) -> bool:
        if not isinstance(obj, QWidget):
            return False
        return obj.window() is self.window

    def handle_key(self, key, modifiers=Qt.KeyboardModifier.NoModifier) -> bool:
        """Do what ``key`` does in presentation mode; True when it was one of ours."""
        w = self.window
        k = Qt.Key(key) if not isinstance(key, Qt.Key) else key
        if k == Qt.Key.Key_Space:
            w.time_control.play_button.toggle()
            return True
        if k in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            step = self.BIG_STEP_S if modifiers & Qt.KeyboardModifier.ShiftModifier else self.STEP_S
            w.time_control.stop()
            w.state.shift_time(step if k == Qt.Key.Key_Right else -step)
            return True
        if Qt.Key.Key_1 <= k <= Qt.Key.Key_9:
            self.go_to_stop(int(k) - int(Qt.Key.Key_1))
            return True
        if k == Qt.Key.Key_Escape:
            self.leave()
            return True
        return False

    # -- solar wind and tour stops ----------------------------------------------------------
    def _set_solar_wind(self, n: float, v: float, bz: float) -> None:
        sw = self.window.app_state.model.solar_wind
        try:
            sw.update({"n_cm3": round(n, 2), "v_km_s": round(v, 1), "bz_nt": round(bz, 2)})
        except ValueError as exc:  # an OMNI file drives it, or the values were refused
            self.window.statusBar().showMessage(f"Solar wind not changed: {exc}", 6000)
        self.storm.show_values(sw.n_cm3, sw.v_km_s, sw.bz_nt)

    def go_to_stop(self, index: int) -> bool:
        """Show keyframe ``index`` (0-based) of the session's tour: its camera, time, layers,
        solar wind and caption. False when the tour has no such stop."""
        w = self.window
        kfs = w.app_state.tour.keyframes
        if not 0 <= index < len(kfs):
            if self.active:
                self._flash(f"no tour stop {index + 1} (the tour has {len(kfs)})")
            return False
        kf = kfs[index]
        w.time_control.stop()
        w.state.time = kf.time
        if kf.layers is not None:
            labels = w.state.layers.labels
            w.state.layers = kf.layers.model_copy()
            w.state.layers.labels = labels
        if kf.solar_wind is not None:
            sw = kf.solar_wind
            self._set_solar_wind(sw.n_cm3, sw.v_km_s, sw.bz_nt)
            self.storm.set_position(_nearest_position(sw.n_cm3, sw.v_km_s, sw.bz_nt), emit=False)
            self.storm.show_values(sw.n_cm3, sw.v_km_s, sw.bz_nt)
        apply_pose(w.scene_view, kf.camera)
        self.stop_index = index
        self._flash(kf.caption)
        return True

    def _flash(self, text: str) -> None:
        self.caption.setText(text)
        self.caption.setVisible(bool(text) and self.active)
        if self.active:
            self._place_overlays()


def apply_pose(scene_view, pose) -> None:
    """Put the 3-D view's turntable camera at a tour ``pose`` (a free camera: presets off)."""
    tt = turntable_from_pose(pose)
    cam = scene_view.turntable
    # interactive quality while the camera moves (issue 12's SceneView.set_interactive), full
    # quality again a moment after the last step
    if hasattr(scene_view, "set_interactive"):
        scene_view.set_interactive(True, rest_after_s=getattr(_scene, "REST_DELAY_S", 0.3))
    elif hasattr(scene_view, "set_moving"):  # the volume-resolution switch before interactive quality
        scene_view.set_moving(True)
        scene_view._rest_later()
    if scene_view.view.camera is not cam:
        scene_view.view.camera = cam
    scene_view._camera_setup = None
    cam.fov = tt["fov"]
    cam.azimuth, cam.elevation, cam.roll = tt["azimuth"], tt["elevation"], tt["roll"]
    cam.distance = tt["distance"]
    cam.center = tt["center"]
    scene_view._update_volume_view()
    scene_view.canvas.update()
