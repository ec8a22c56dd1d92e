"""The desktop application (PySide6): ``app.run_app()`` and ``main_window.MainWindow``.

Only this layer and ``smile_viewer._vispy`` import Qt/vispy; importing this package itself
loads nothing heavy.
"""
