"""The emission volume: a subclass of vispy's Volume visual with an emission rendering method.

``EmissionVolumeVisual`` draws an emissivity grid (``smile_viewer.physics.volume.Volume``:
values (nz, ny, nx), node (i, j, k) at ``origin + (i dx, j dy, k dz)`` R_E) in three ways:

- ``"emission"`` — the line-of-sight integral of the emissivity along each view ray (the
  midpoint rule, ``step_voxels`` apart), in keV cm^-2 s^-1 sr^-1 (``physics.emissivity.LOS_FACTOR``),
  coloured on a logarithmic scale and *added* to what lies behind: the picture a synthetic
  imager makes from the camera's position (``shaders/volume_emission.frag``);
- ``"mip"`` — the largest emissivity along the ray, logarithmic colour map
  (``shaders/volume_mip.frag``);
- ``"iso"`` — an isosurface at a fraction of the largest emissivity, lit by a headlight
  (``shaders/volume_iso.frag``), of the volume smoothed by a Gaussian of one voxel: the
  models' boundaries are jumps, which the grid's trilinear interpolation turns into dimples.

All three clip the rays to the grid's nodes (zero outside, as ``Volume.sample`` and the
compute backends treat it) and stop them at the Earth (r = 1 R_E; ``occult_radius_re``),
as ``compute.render`` does (``shaders/volume_common.glsl``).

Placement: the node's transform maps voxel coordinates to R_E in the volume's frame and then
to the scene frame (:meth:`EmissionVolumeVisual.set_frame_rotation`); ``(z, y, x)`` order is
vispy's own, so the array goes in as stored.
"""

from __future__ import annotations

import weakref
from functools import lru_cache

import numpy as np
from vispy import gloo
from vispy.scene.visuals import create_visual_node
from vispy.visuals import Visual
from vispy.visuals.transforms import MatrixTransform
from vispy.visuals.volume import _FRAGMENT_SHADER, VolumeVisual

from smile_viewer._vispy.visuals.colormaps import volume_colormap
from smile_viewer.physics.block_mean import block_factors, block_grid, block_mean
from smile_viewer.physics.emissivity import LOS_FACTOR
from smile_viewer.resources import read_shader

__all__ = [
    "EmissionVolume",
    "EmissionVolumeVisual",
    "GLStateReset",
    "VolumeCompositor",
    "VolumeCompositorVisual",
    "auto_log_range",
    "shader_sections",
]

#: Decades shown below the brightest value when the range is automatic.
AUTO_DECADES = {"emission": 1.5, "mip": 1.5}
#: Default limits of the GL 3-D texture: nodes a side and MiB (a larger grid is shown as block
#: means; the synthetic images always use the full grid). docs/settings.md#emission-volume-texture.
TEXTURE_MAX_NODES = 256
TEXTURE_BUDGET_MIB = 256.0
#: GL_MAX_3D_TEXTURE_SIZE of the context, queried at the first draw (None: not yet; 0: no answer).
_gl_max_3d: list[int | None] = [None]


def _los_factor() -> float:

    return float(LOS_FACTOR)


@lru_cache(maxsize=8)
def shader_sections(name: str) -> dict[str, str]:
    """The ``//! section: NAME`` parts of a GLSL file under ``shaders/``."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in read_shader(name).splitlines():
        stripped = line.strip()
        if stripped.startswith("//! section:"):
            current = stripped.split(":", 1)[1].strip()
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    return {k: "\n".join(v) + "\n" for k, v in sections.items()}


def _snippets(name: str) -> dict[str, str]:
    s = shader_sections(name)
    return {"before_loop": s["before_loop"], "in_loop": s["in_loop"], "after_loop": s["after_loop"]}


def auto_log_range(values: np.ndarray, spacing_re, mode: str) -> tuple[float, float]:
    """A log10 range for the colour map from the data: for "emission" the brightest
    axis-aligned line-of-sight intensity [keV cm^-2 s^-1 sr^-1] and 1.5 decades below; for
    "mip" the largest emissivity and 1.5 decades below."""
    v = np.clip(np.asarray(values, dtype=np.float32), 0.0, None)
    vmax = float(v.max()) if v.size else 0.0
    if not vmax > 0:
        return (-3.0, 0.0)
    if mode == "emission":
        dx, dy, dz = (float(s) for s in spacing_re)
        brightest = (
            max(
                float(v.sum(axis=2).max()) * dx,
                float(v.sum(axis=1).max()) * dy,
                float(v.sum(axis=0).max()) * dz,
            )
            * _los_factor()
        )
        hi = float(np.log10(brightest))
        return (hi - AUTO_DECADES["emission"], hi)
    hi = float(np.log10(vmax))
    return (hi - AUTO_DECADES["mip"], hi)


class EmissionVolumeVisual(VolumeVisual):
    """Volume visual with ``"emission"`` (line-of-sight integral), log ``"mip"`` and ``"iso"``.

    Parameters
    ----------
    values : (nz, ny, nx) array, optional
        Emissivity (eV cm^-3 s^-1 for an emission volume; any non-negative quantity otherwise).
    origin_re, spacing_re : 3 floats
        Node (0, 0, 0) and the node spacing, R_E, in the volume's frame.
    mode : "emission", "mip" or "iso"
    cmap : str
        A name of ``smile_viewer.state.volume.VOLUME_COLORMAPS``.
    log_range : (lo, hi) or None
        log10 of the values at the ends of the colour map (intensity for "emission",
        emissivity for "mip"); None: :func:`auto_log_range`.
    step_voxels : float
        Ray-marching step in voxels.
    iso_fraction : float
        Isosurface level as a fraction of the largest value.
    """

    _rendering_methods = {
        **VolumeVisual._rendering_methods,
        "emission": _snippets("volume_emission.frag"),
        "mip": _snippets("volume_mip.frag"),
        "iso": _snippets("volume_iso.frag"),
    }
    _raycasting_modes = {
        **VolumeVisual._raycasting_modes,
        "volume": shader_sections("volume_common.glsl")["raycasting_setup"],
    }
    _shaders = {
        "vertex": VolumeVisual._shaders["vertex"],
        "fragment": shader_sections("volume_common.glsl")["uniforms"] + _FRAGMENT_SHADER,
    }

    MODES = ("emission", "mip", "iso")

    def __init__(
        self,
        values=None,
        origin_re=(0.0, 0.0, 0.0),
        spacing_re=(1.0, 1.0, 1.0),
        *,
        mode: str = "emission",
        cmap: str = "inferno",
        log_range=None,
        step_voxels: float = 0.8,
        iso_fraction: float = 0.3,
        opacity: float = 1.0,
        occult_radius_re: float = 1.0,
        glow_power: float = 1.0,
    ):
        self._tex_dtype = np.float32
        self._values = np.zeros((2, 2, 2), np.float32)
        self._source = None  # the full grid (a reference, never copied): values, origin, spacing
        self._full_shape = (2, 2, 2)
        self._texture_limits = (TEXTURE_MAX_NODES, TEXTURE_BUDGET_MIB)
        self._shown_factors = (1, 1, 1)
        self._norm = None
        self._smoothed = None
        self._vmax = 0.0
        self._origin = np.zeros(3)
        self._spacing = np.ones(3)
        self._frame_rotation = np.eye(3)
        self._user_log_range = None
        self._hint_range = None
        self._auto_ranges: dict[str, tuple[float, float]] = {}
        self._cmap_name = cmap
        self._opacity = float(opacity)
        self._iso_fraction = float(iso_fraction)
        self._mode = mode
        super().__init__(
            self._values.astype(self._tex_dtype),
            clim=(0.0, 1.0),
            method=mode if mode != "iso" else "mip",
            relative_step_size=step_voxels,
            cmap=volume_colormap(cmap),
            interpolation="linear",
            texture_format="r32f",
            threshold=iso_fraction,
        )
        self.unfreeze()
        self.shared_program["u_occult_radius"] = float(occult_radius_re)
        self.shared_program["u_opacity"] = self._opacity
        self.shared_program["u_glow_power"] = float(glow_power)
        self.shared_program["u_jitter"] = 0.0
        self.shared_program["u_iso_level"] = 0.8
        self.shared_program["u_origin_re"] = (0.0, 0.0, 0.0)
        self.shared_program["u_spacing_re"] = (1.0, 1.0, 1.0)
        self.shared_program["u_log_offset"] = 0.0
        self.shared_program["u_log_range"] = (-3.0, 0.0)
        self.set_mode(mode)
        if values is not None:
            self.set_volume(values, origin_re, spacing_re)
        self.log_range = log_range
        self.freeze()

    # -- data --------------------------------------------------------------------------------
    def set_volume(self, values, origin_re, spacing_re) -> None:
        """Upload an emissivity grid (nz, ny, nx) with its origin and spacing [R_E]. A grid
        larger than the texture limits (:meth:`set_texture_limits`, GL_MAX_3D_TEXTURE_SIZE) is
        shown as block means (:attr:`texture_note`); ``values`` is kept by reference."""
        v = np.asarray(values, dtype=np.float32)
        if v.ndim != 3 or min(v.shape) < 2:
            raise ValueError(f"the volume must be (nz, ny, nx) with at least 2 nodes a side, got {v.shape}")
        self._source = (v, origin_re, spacing_re)
        self._show_source()

    def set_texture_limits(self, max_nodes: int, budget_mib: float, upload: bool = True) -> bool:
        """Largest texture side [nodes] and size [MiB]; re-shows the grid when they change
        (``upload``). True when the texture changed."""
        limits = (int(max_nodes), float(budget_mib))
        if limits == self._texture_limits:
            return False
        self._texture_limits = limits
        if not (upload and self._source is not None):
            return False
        before = self._shown_factors
        if self.texture_factors(self._full_shape) == before:
            return False
        self._show_source()
        return True

    def texture_factors(self, shape_zyx) -> tuple[int, int, int]:
        """Block factors (fz, fy, fx) a grid of ``shape_zyx`` nodes is shown with."""
        max_nodes, budget_mib = self._texture_limits
        gl_max = _gl_max_3d[0]
        if gl_max:
            max_nodes = min(max_nodes, gl_max)
        return block_factors(tuple(shape_zyx), max_nodes, budget_mib * 2**20)

    @property
    def texture_shape(self) -> tuple[int, int, int]:
        """(nz, ny, nx) of the texture: the grid, or its block means."""
        return tuple(self._values.shape)

    @property
    def texture_note(self) -> str:
        """ "volume shown at … of … nodes (block means)" when the grid is downsampled, else ""."""
        if self.texture_shape == self._full_shape:
            return ""

        def n(s):
            return "×".join(str(k) for k in s[::-1])

        return f"volume shown at {n(self.texture_shape)} of {n(self._full_shape)} nodes (block means)"

    def _show_source(self) -> None:
        v, origin_re, spacing_re = self._source
        self._full_shape = tuple(v.shape)
        self._shown_factors = self.texture_factors(v.shape)
        if self._shown_factors != (1, 1, 1):
            v = block_mean(v, self._shown_factors)
            origin_re, spacing_re = block_grid(origin_re, spacing_re, self._shown_factors)
        finite = np.isfinite(v)
        if not finite.all():
            v = np.where(finite, v, 0.0).astype(np.float32)
        vmax = float(v.max())
        self._vmax = vmax if vmax > 0 else 0.0
        norm = (np.clip(v, 0.0, None) / vmax).astype(np.float32) if vmax > 0 else np.zeros_like(v)
        self._values = v
        self._norm = norm
        self._smoothed = None
        self._origin = np.asarray(origin_re, dtype=float).reshape(3)
        self._spacing = np.asarray(spacing_re, dtype=float).reshape(3)
        self._auto_ranges = {}
        self._upload()
        self.shared_program["u_origin_re"] = tuple(float(c) for c in self._origin)
        self.shared_program["u_spacing_re"] = tuple(float(c) for c in self._spacing)
        self._update_log_uniforms()
        self._update_transform()
        self.update()

    def _upload(self) -> None:
        """The texture: the values over their maximum (smoothed for the isosurface)."""
        data = self._norm
        if self._mode == "iso" and data.size > 8:
            if self._smoothed is None:
                # lazy: scipy.ndimage (0.1 s) only for the smoothed isosurface; not loaded by the first window
                from scipy.ndimage import gaussian_filter

                self._smoothed = gaussian_filter(data, sigma=1.0, mode="nearest").astype(np.float32)
            data = self._smoothed
        self.set_data(np.ascontiguousarray(data, dtype=self._tex_dtype), clim=(0.0, 1.0))

    @property
    def values(self) -> np.ndarray:
        return self._values

    @property
    def vmax(self) -> float:
        return self._vmax

    @property
    def has_data(self) -> bool:
        return self._vmax > 0

    # -- placement ---------------------------------------------------------------------------
    def volume_matrix(self) -> np.ndarray:
        """4×4 (vispy row-vector convention) voxel coordinates → R_E in the scene frame."""
        m = np.eye(4)
        m[:3, :3] = np.diag(self._spacing)
        m[3, :3] = self._origin
        r = np.eye(4)
        r[:3, :3] = self._frame_rotation.T
        return m @ r

    def set_frame_rotation(self, rotation) -> None:
        """Rotation (3×3, ``v_scene = R @ v_volume``) from the volume's frame to the scene's."""
        self._frame_rotation = np.asarray(rotation, dtype=float).reshape(3, 3)
        self._update_transform()

    def _update_transform(self) -> None:
        if getattr(self, "_transform", None) is None:
            return  # a scene node not yet initialised: its __init__ calls this again
        self.transform = MatrixTransform(self.volume_matrix())

    # -- appearance --------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        if mode not in self.MODES:
            raise ValueError(f"render mode {mode!r}: choose one of {self.MODES}")
        previous = self._mode
        self._mode = mode
        self.method = mode
        if (previous == "iso") != (mode == "iso") and getattr(self, "_norm", None) is not None:
            self._upload()
        if mode == "iso":
            self.threshold = self._iso_fraction
            self.set_gl_state("translucent", depth_test=True, depth_mask=True, cull_face=False)
        else:
            # emitted light adds to what is behind; the volume neither hides nor is hidden
            # (rays already stop at the Earth)
            self.set_gl_state(
                depth_test=False,
                depth_mask=False,
                cull_face=False,
                blend=True,
                blend_func=("src_alpha", "one", "zero", "one"),
                blend_equation="func_add",
            )
        self._update_log_uniforms()
        self.update()

    @property
    def cmap_name(self) -> str:
        return self._cmap_name

    def set_cmap(self, name: str) -> None:
        self._cmap_name = name
        self.cmap = volume_colormap(name)

    @property
    def opacity(self) -> float:
        return self._opacity

    @opacity.setter
    def opacity(self, value: float) -> None:
        self._opacity = float(value)
        self.shared_program["u_opacity"] = self._opacity
        self.update()

    @property
    def glow_power(self) -> float:
        """Emitted colour × level^power (0: the plain colour map, as in a synthetic image)."""
        return float(self.shared_program["u_glow_power"])

    @glow_power.setter
    def glow_power(self, value: float) -> None:
        self.shared_program["u_glow_power"] = float(value)
        self.update()

    @property
    def jitter(self) -> bool:
        """Sample each ray step at a random point (True) or at its midpoint (False)."""
        return bool(self.shared_program["u_jitter"])

    @jitter.setter
    def jitter(self, value: bool) -> None:
        self.shared_program["u_jitter"] = 1.0 if value else 0.0
        self.update()

    @property
    def iso_fraction(self) -> float:
        return self._iso_fraction

    @iso_fraction.setter
    def iso_fraction(self, value: float) -> None:
        self._iso_fraction = float(value)
        if self._mode == "iso":
            self.threshold = self._iso_fraction

    @property
    def step_voxels(self) -> float:
        return float(self.relative_step_size)

    @step_voxels.setter
    def step_voxels(self, value: float) -> None:
        self.relative_step_size = float(value)

    @property
    def log_range(self) -> tuple[float, float]:
        """log10 of the values at the ends of the colour map (the automatic one when unset)."""
        if self._user_log_range is not None:
            return self._user_log_range
        if self._hint_range is not None and self._mode == "emission":
            return self._hint_range
        key = "emission" if self._mode == "emission" else "mip"
        if key not in self._auto_ranges:
            self._auto_ranges[key] = (
                auto_log_range(self._values, self._spacing, key) if self.has_data else (-3.0, 0.0)
            )
        return self._auto_ranges[key]

    @log_range.setter
    def log_range(self, value) -> None:
        self._user_log_range = None if value is None else (float(value[0]), float(value[1]))
        self._update_log_uniforms()
        self.update()

    def set_auto_range_hint(self, log_range) -> None:
        """An automatic emission range for the current camera (e.g. from a few rays of the
        imager looked through); ``None`` goes back to the data's own. A set ``log_range`` wins."""
        self._hint_range = None if log_range is None else (float(log_range[0]), float(log_range[1]))
        self._update_log_uniforms()
        self.update()

    def _update_log_uniforms(self) -> None:
        if not hasattr(self, "_auto_ranges"):
            return
        vmax = self._vmax if self._vmax > 0 else 1.0
        if self._mode == "emission":
            offset = float(np.log10(vmax * _los_factor()))
        else:
            offset = float(np.log10(vmax))
        self.shared_program["u_log_offset"] = offset
        self.shared_program["u_log_range"] = tuple(float(v) for v in self.log_range)

    @property
    def units(self) -> str:
        return "keV cm⁻² s⁻¹ sr⁻¹" if self._mode == "emission" else "eV cm⁻³ s⁻¹"

    # -- vispy hooks -------------------------------------------------------------------------
    def _prepare_draw(self, view):
        if _gl_max_3d[0] is None:  # the context is current while drawing
            try:
                _gl_max_3d[0] = int(gloo.gl.glGetParameter(gloo.gl.GL_MAX_3D_TEXTURE_SIZE)) or 0
            except Exception:  # noqa: BLE001 - no answer: the settings' limit stands
                _gl_max_3d[0] = 0
        if self._source is not None and self.texture_factors(self._full_shape) != self._shown_factors:
            self._show_source()  # a grid larger than this context's GL_MAX_3D_TEXTURE_SIZE
        if not self.has_data:
            return False
        return super()._prepare_draw(view)

    def _compute_bounds(self, axis, view):
        nz, ny, nx = self._values.shape
        n = (nx, ny, nz)[axis]
        return (0, n - 1)


class EmissionVolume(create_visual_node(EmissionVolumeVisual)):
    """Scene-graph node of :class:`EmissionVolumeVisual` (same arguments, plus ``parent``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.unfreeze()
        self._update_transform()
        self.freeze()


_COMPOSITE_VERT = """
attribute vec2 a_position;
varying vec2 v_uv;
void main() {
    v_uv = 0.5 * a_position + 0.5;
    gl_Position = vec4(a_position, 0.0, 1.0);
}
"""
_COMPOSITE_FRAG = """
uniform sampler2D u_texture;
varying vec2 v_uv;
void main() {
    gl_FragColor = vec4(texture2D(u_texture, v_uv).rgb, 1.0);
}
"""


class VolumeCompositorVisual(Visual):
    """Draws an :class:`EmissionVolume` at a fraction of the framebuffer's resolution and adds
    the (linearly upsampled) result to the picture: ``scale`` 0.5 casts a quarter of the rays.

    The emission and maximum-intensity methods add light and test no depth, so the volume
    can be drawn apart and composited at any point of the frame with the same result. Used
    for interactive frame rates on software OpenGL (Mesa llvmpipe); ``scale`` 1 (stills,
    tests) or the isosurface mode draw the volume in the scene itself instead (``active``
    is then False and the volume node draws normally).
    """

    def __init__(self, source, canvas, scale: float = 0.5):
        Visual.__init__(self, vcode=_COMPOSITE_VERT, fcode=_COMPOSITE_FRAG)
        self._source = source
        self._host = weakref.ref(canvas)
        self._scale = float(scale)
        quad = np.array([[-1, -1], [1, -1], [-1, 1], [1, 1]], np.float32)
        self.shared_program["a_position"] = gloo.VertexBuffer(quad)
        self._tex = gloo.Texture2D(shape=(4, 4, 4), interpolation="linear", internalformat="rgba8")
        self._fbo = gloo.FrameBuffer(color=self._tex)
        self.shared_program["u_texture"] = self._tex
        self._draw_mode = "triangle_strip"
        self.set_gl_state(
            depth_test=False,
            depth_mask=False,
            cull_face=False,
            blend=True,
            blend_func=("one", "one", "zero", "one"),
            blend_equation="func_add",
        )
        self.freeze()

    @property
    def scale(self) -> float:
        return self._scale

    @scale.setter
    def scale(self, value: float) -> None:
        self._scale = float(min(max(value, 0.1), 1.0))
        self.update()

    @property
    def active(self) -> bool:
        """True when the volume is drawn here (reduced resolution, additive mode)."""
        src = self._source
        return self._scale < 0.999 and src.mode != "iso" and src.has_data

    def _framebuffer_size(self) -> tuple[int, int]:
        fbo, _origin, _csize = self._host()._current_framebuffer()
        if fbo is None:
            w, h = self._host().physical_size
        else:
            h, w = fbo.color_buffer.shape[:2]
        return int(w), int(h)

    def draw(self):
        if not self.visible or not self.active:
            return
        w, h = self._framebuffer_size()
        sw, sh = max(8, int(round(w * self._scale))), max(8, int(round(h * self._scale)))
        if self._tex.shape[:2] != (sh, sw):
            self._tex.resize((sh, sw, 4))
        canvas = self._host()
        src = self._source
        # The volume is drawn with the canvas's own transforms (canvas → clip space); only
        # the GL viewport shrinks to the smaller texture, so clip space fills it whole.
        # (canvas.push_fbo would remap the canvas 1:1 onto the texture's pixels instead.)
        was_visible = src._visible  # the private flag: the public setter asks for a redraw
        src._visible = True
        # The framebuffer being drawn to now (the window's, vispy's render FBO, or one Qt binds
        # for grabFramebuffer): bound again afterwards, whatever vispy's own stack says.
        canvas.context.flush_commands()
        previous = int(gloo.gl.glGetParameter(gloo.gl.GL_FRAMEBUFFER_BINDING))
        self._fbo.activate()
        try:
            canvas.context.set_viewport(0, 0, sw, sh)
            canvas.context.clear(color=(0.0, 0.0, 0.0, 0.0), depth=False)
            # the clear colour is GL state: vispy's Qt backend clears the window's alpha with
            # it after the frame, so put the canvas's (opaque) one back
            canvas.context.set_clear_color(canvas.bgcolor)
            src.draw()  # (not canvas.draw_visual: vispy 0.17 would draw the whole scene)
        finally:
            self._fbo.deactivate()
            canvas.context.glir.command("FUNC", "glBindFramebuffer", gloo.gl.GL_FRAMEBUFFER, previous)
            src._visible = was_visible
            vp = canvas._vp_stack[-1] if canvas._vp_stack else (0, 0, *canvas.physical_size)
            canvas.context.set_viewport(*vp)
        super().draw()

    def _prepare_transforms(self, view):
        pass

    def _prepare_draw(self, view):
        return True

    def _compute_bounds(self, axis, view):
        return None


VolumeCompositor = create_visual_node(VolumeCompositorVisual)


class GLStateResetVisual(Visual):
    """Draws nothing; leaves the GL state as the next frame's clear expects (depth writes on)
    and face culling off (the surfaces cull their far side at interactive quality).

    Visuals that set ``depth_mask=False`` (translucent surfaces, the orbit track, the volume)
    leave it off, and ``glClear`` honours the mask: put this node last in the draw order so
    every frame — on screen or ``canvas.render()`` — starts with a cleared depth buffer.
    """

    def __init__(self):
        Visual.__init__(
            self,
            vcode="void main() { gl_Position = vec4(0.0); }",
            fcode="void main() { gl_FragColor = vec4(0.0); }",
        )
        self.set_gl_state(depth_mask=True, cull_face=False)
        self.freeze()

    def draw(self):
        if self.visible:
            gloo.set_state(depth_mask=True, cull_face=False)

    def _prepare_transforms(self, view):
        pass

    def _compute_bounds(self, axis, view):
        return None


GLStateReset = create_visual_node(GLStateResetVisual)
