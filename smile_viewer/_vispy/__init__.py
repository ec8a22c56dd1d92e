"""The 3-D scene (vispy; no widgets): ``scene.SceneView``, ``visuals``, ``cameras.InstrumentCamera``,
``headless.render_scene_png``.

GLSL sources live in the top-level ``shaders/`` directory (``smile_viewer.resources``).
"""
