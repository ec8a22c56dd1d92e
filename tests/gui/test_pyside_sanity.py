"""The installed PySide6 must not corrupt reference counts on signal emission.

PySide6-Essentials 6.12.0 on Python 3.11 returns ``True`` from ``SignalInstance.emit``
without a new reference; a few thousand emits (pyqtgraph emits several per mouse move) abort
the interpreter. pyproject.toml excludes that release; this test proves the installed one is
sound *without* smile-viewer's guard in ``_qt.pyside_compat``.
"""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
from PySide6.QtCore import QObject, Signal
class O(QObject):
    s = Signal(int)
o = O()
o.s.connect(lambda v: None)
before = sys.getrefcount(True)
for i in range(500):
    o.s.emit(i)
print(sys.getrefcount(True) - before)
"""


def test_signal_emit_keeps_reference_counts():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert abs(int(out.stdout.strip())) < 50, "PySide6 leaks references to True on emit"
