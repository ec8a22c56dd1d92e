"""The Help ▸ Keyboard and mouse dialog: shortcuts read from the window's own actions.

The shortcut list is built from the QActions of the window each time the dialog is shown
(menu bar first, grouped by menu, then actions on toolbars or the window itself, then
``QShortcut`` objects that carry a ``whatsThis`` description), so it never goes stale when
an action or shortcut is added or changed. Mouse controls of the 3-D view (vispy's
TurntableCamera) and of the image panels (pyqtgraph) are listed below them.

Usage in the main window::

    from smile_viewer._qt.help_dialog import install_help_action
    install_help_action(self)          # Help ▸ Keyboard and mouse… (F1)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from smile_viewer._qt.pyside_compat import apply_pyside_fixes

apply_pyside_fixes()

__all__ = [
    "MOUSE_CONTROLS_3D",
    "MOUSE_CONTROLS_IMAGE",
    "HelpDialog",
    "Shortcut",
    "collect_shortcuts",
    "install_help_action",
    "show_help_dialog",
]

#: Mouse controls of the 3-D view (vispy TurntableCamera).
MOUSE_CONTROLS_3D: tuple[tuple[str, str], ...] = (
    ("Left drag", "Rotate the view around its centre"),
    ("Shift + left drag", "Pan: move the centre of rotation"),
    ("Scroll wheel, or right drag", "Zoom in and out"),
    ("Shift + right drag", "Change the perspective (field of view)"),
)

#: Mouse controls of the image panels (pyqtgraph).
MOUSE_CONTROLS_IMAGE: tuple[tuple[str, str], ...] = (
    ("Move over a pixel", "Show its value, units and coordinates under the image"),
    ("Left click", "Draw that pixel's line of sight in the 3-D view"),
    ("Left drag", "Pan the image"),
    ("Scroll wheel, or right drag", "Zoom the image"),
    ("Drag the colour bar's edges", "Set the colour levels (switches Auto levels off)"),
)


@dataclass(frozen=True)
class Shortcut:
    """One row of the shortcut list: ``group`` (menu path), ``text`` (what it does), ``keys``."""

    group: str
    text: str
    keys: str
    tooltip: str = ""


def _clean(text: str) -> str:
    """Menu text without mnemonics: '&Save image…' -> 'Save image…', '&&' -> '&'."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").strip()


def _keys(sequences: Sequence[QKeySequence]) -> str:
    return ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in sequences if not s.isEmpty())


def collect_shortcuts(window: QWidget) -> list[Shortcut]:
    """Every action with a keyboard shortcut reachable from ``window``, menu bar order first."""
    rows: list[Shortcut] = []
    seen: set[int] = set()

    def add(action: QAction, group: str) -> None:
        key = id(action)
        if key in seen or action.isSeparator():
            return
        seen.add(key)
        keys = _keys(action.shortcuts())
        if keys and action.isVisible():
            rows.append(
                Shortcut(
                    group,
                    _clean(action.text()) or action.objectName(),
                    keys,
                    action.toolTip() if action.toolTip() != action.text() else "",
                )
            )

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            sub = action.menu()
            if sub is not None:
                seen.add(id(action))
                walk(sub, f"{path} ▸ {_clean(sub.title())}" if path else _clean(sub.title()))
            else:
                add(action, path)

    if isinstance(window, QMainWindow) and window.menuBar() is not None:
        for top in window.menuBar().actions():
            sub = top.menu()
            if sub is not None:
                seen.add(id(top))
                walk(sub, _clean(sub.title()))
            else:
                add(top, "Menu bar")
    for action in window.actions():
        add(action, "Window")
    for action in window.findChildren(QAction):
        add(action, "Other")
    for sc in window.findChildren(QShortcut):
        keys = _keys([sc.key()])
        if keys and sc.isEnabled() and sc.whatsThis():
            rows.append(Shortcut("Other", sc.whatsThis(), keys))
    return rows


class HelpDialog(QDialog):
    """Keyboard shortcuts (from ``window``'s actions) and mouse controls, with a search field."""

    def __init__(
        self,
        window: QWidget,
        parent: QWidget | None = None,
        *,
        mouse_3d: Sequence[tuple[str, str]] = MOUSE_CONTROLS_3D,
        mouse_image: Sequence[tuple[str, str]] = MOUSE_CONTROLS_IMAGE,
    ):
        super().__init__(parent if parent is not None else window)
        self.setObjectName("helpDialog")
        self.setWindowTitle("Keyboard and mouse")
        self._window = window
        self._mouse_3d = tuple(mouse_3d)
        self._mouse_image = tuple(mouse_image)

        self.search = QLineEdit(self)
        self.search.setObjectName("helpSearch")
        self.search.setPlaceholderText("Search shortcuts and mouse controls")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._apply_filter)

        self.tree = QTreeWidget(self)
        self.tree.setObjectName("helpTree")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Action", "Keys / mouse"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setUniformRowHeights(True)

        note = QLabel(
            "Shortcuts are read from the application's menus, so this list is always current.", self
        )
        note.setWordWrap(True)
        note.setEnabled(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)

        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(680, 620)
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the lists from the window's current actions."""
        self.tree.clear()
        bold = self.font()
        bold.setBold(True)

        def header(title: str) -> QTreeWidgetItem:
            item = QTreeWidgetItem(self.tree, [title, ""])
            item.setFirstColumnSpanned(True)
            item.setFont(0, bold)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item.setData(0, Qt.ItemDataRole.UserRole, "header")
            return item

        rows = collect_shortcuts(self._window)
        group = None
        for row in rows:
            if row.group != group:
                group = row.group
                header(f"Keyboard — {group}" if group else "Keyboard")
            item = QTreeWidgetItem(self.tree, [row.text, row.keys])
            if row.tooltip:
                item.setToolTip(0, row.tooltip)
        if not rows:
            header("Keyboard")
            QTreeWidgetItem(self.tree, ["(no keyboard shortcuts)", ""])
        if self._mouse_3d:
            header("Mouse — 3-D view")
            for how, what in self._mouse_3d:
                QTreeWidgetItem(self.tree, [what, how])
        if self._mouse_image:
            header("Mouse — images")
            for how, what in self._mouse_image:
                QTreeWidgetItem(self.tree, [what, how])
        self._apply_filter(self.search.text())

    def rows(self) -> list[tuple[str, str]]:
        """The visible (non-header) rows as ``(action, keys)`` (for tests and printing)."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.data(0, Qt.ItemDataRole.UserRole) != "header" and not item.isHidden():
                out.append((item.text(0), item.text(1)))
        return out

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        current_header = None
        header_has_rows = False
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.data(0, Qt.ItemDataRole.UserRole) == "header":
                if current_header is not None:
                    current_header.setHidden(not header_has_rows)
                current_header, header_has_rows = item, False
                continue
            match = not needle or needle in item.text(0).lower() or needle in item.text(1).lower()
            item.setHidden(not match)
            header_has_rows = header_has_rows or match
        if current_header is not None:
            current_header.setHidden(not header_has_rows)

    def showEvent(self, event) -> None:
        self.refresh()  # actions may have changed since the dialog was made
        super().showEvent(event)


def show_help_dialog(window: QWidget) -> HelpDialog:
    """Show (creating once, then reusing) the help dialog of ``window``; returns it."""
    dialog = window.findChild(HelpDialog, "helpDialog")
    if dialog is None:
        dialog = HelpDialog(window)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog


def install_help_action(window: QMainWindow, menu: QMenu | None = None) -> QAction:
    """Add "Keyboard and mouse…" (F1) to ``menu`` (default: the window's Help menu, made if
    missing); returns the action (objectName ``action_help_shortcuts``)."""
    action = QAction("&Keyboard and mouse…", window)
    action.setObjectName("action_help_shortcuts")
    keys = QKeySequence.keyBindings(QKeySequence.StandardKey.HelpContents)
    action.setShortcuts(keys or [QKeySequence("F1")])
    action.setToolTip("List the keyboard shortcuts and mouse controls")
    action.triggered.connect(lambda _checked=False: show_help_dialog(window))
    if menu is None:
        for top in window.menuBar().actions():
            sub = top.menu()
            if sub is not None and _clean(sub.title()).lower() == "help":
                menu = sub
                break
        if menu is None:
            menu = window.menuBar().addMenu("&Help")
    first = menu.actions()[0] if menu.actions() else None
    menu.insertAction(first, action)
    return action
