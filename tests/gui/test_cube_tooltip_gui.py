"""GUI: the cube field's tooltip shows what ``smile-viewer cube-info`` prints (format, grid, frame
and how it was decided, units, variables, solar wind, time) for a cube in a modeller's format."""

from __future__ import annotations

import html

import numpy as np

from tests.io.test_cube_formats_native import AX, ramp, write_idl_binary, write_team_text


def test_cube_field_tooltip_is_the_cube_info(qtbot, tmp_path, capsys):
    from smile_viewer._qt.docks.model_dock import ModelDock
    from smile_viewer.cli import main
    from smile_viewer.state import ModelState

    dock = ModelDock(ModelState())
    qtbot.addWidget(dock)
    text = write_team_text(tmp_path / "ppmlr.dat", *AX, ramp())
    dock.show_cube_magnetopause(str(text), synchronous=True)
    tip = html.unescape(dock.cube_edit.toolTip().removeprefix("<pre>").removesuffix("</pre>"))
    assert "frame      GSM" in tip and "SXI team's text cubes are GSM" in tip
    assert "solar wind TEMP=200000.0, DENSITY=5.0" in tip and "time       not given by the file" in tip
    assert dock.cube_edit.toolTip() == dock.cube_mp_label.toolTip()
    # the same lines as the command line prints
    assert main(["cube-info", str(text)]) == 0
    printed = capsys.readouterr().out
    assert all(line in printed for line in tip.splitlines())

    idl = write_idl_binary(tmp_path / "box_e20150317-043000.out", *AX, {"emis": np.asarray(ramp())})
    dock.show_cube_magnetopause(str(idl), synchronous=True)
    tip = html.unescape(dock.cube_edit.toolTip())
    assert "format     BATS-R-US IDL output (binary)" in tip and "time       2015-03-17T04:30:00" in tip
    assert "variables  emis" in tip
