"""The main window's docks: each binds widgets to one part of the
:class:`~smile_viewer.state.app.AppState` (widgets set the state; state events move the widgets).

- :mod:`.layers_dock` — visibility, opacity and colour of every 3-D layer;
- :mod:`.model_dock` — solar wind inputs (with units), boundary and emissivity models;
- :mod:`.time_dock` — time slider, play/pause, speed, jump to the next apogee;
- :mod:`.instruments_dock` — SXI/UVI pointing, exposure, pixel grid;
- :mod:`.images_dock` — live synthetic SXI and UVI images (computed in workers).
"""
