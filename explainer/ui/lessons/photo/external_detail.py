"""The channel detail of the photo lesson's user-model page: a convolution channel's kernel slices and sums.

A mixin of :class:`~.external.UserModelPage` (it uses the page's ``state``, ``shown``,
``detail_view`` and runners). For a plain convolution every output pixel is written out
as per-input-channel sums with :func:`explainer.core.conv_step`, next to the model's own value.
"""

from __future__ import annotations

import html

import numpy as np

from ....core import conv_step, format_number
from ...widgets.maps import SIGNED_CMAP, colormap
from ...workers import WorkResult
from .external_work import conv_detail, layer_input, why_not_plain


class ChannelDetail:
    """Open a convolution channel of the model on screen, and spell out one of its pixels (mixed into the page)."""

    # ================================================================ channel detail
    @staticmethod
    def _has_kernels(layer) -> bool:
        return layer.op_type == "Conv" and layer.weight is not None and np.ndim(layer.weight) == 4

    def layer(self, name: str):
        if self.shown is None:
            return None
        return next((layer for layer in self.shown["request"].model.layers() if layer.name == name), None)

    def _on_channel_clicked(self, name: str, channel: int) -> None:
        layer = self.layer(name)
        if layer is not None and self._has_kernels(layer):
            self.state.select_channel(name, channel)
            self.state.tab = 1
        else:
            kind = layer.op_type if layer is not None else "This"
            self.lesson.commands.post_message(f"{kind} layers have no kernels to open; click a Conv layer.")

    def _request_detail(self, *_) -> None:
        self.detail = self.pixel_numbers = None
        self._wanted_detail = None
        selection, shown = self.state.selection, self.shown
        if shown is None:
            return self.detail_view.show_message("The channel detail appears once the model has run.")
        if selection is None:
            return self.detail_view.show_message("Click a channel of a Conv layer under “Every layer”.")
        name, channel = selection
        layer = self.layer(name)
        if layer is None or not self._has_kernels(layer):
            return self.detail_view.show_message(f"This model has no convolution {name}.")
        model = shown["request"].model
        x_in = layer_input(model, layer, shown["activations"], shown["x"])
        output = shown["activations"][name][0]
        self._wanted_detail = (shown, selection)
        self._detailer.submit(conv_detail, layer, x_in, output, channel, context=self._wanted_detail)

    def _on_detail(self, result: WorkResult) -> None:
        if result.context is not self._wanted_detail:
            return
        shown, (name, channel) = result.context
        if result.error is not None:
            return self.detail_view.show_message(f"Could not open {name} channel {channel}: {result.error}")
        info, layer = result.value, self.layer(name)
        self.detail = {**info, "name": name, "channel": channel}
        kernel = info["kernel"]
        k = f"{kernel.shape[1]}×{kernel.shape[2]}"
        title = f"<b>{html.escape(name)}, channel {channel}</b>"
        view = self.detail_view
        if not info["plain"]:
            view.show_message(f"{title}: its {kernel.shape[0]} kernel slices of {k} and its output. "
                              + why_not_plain(layer))
            limit = float(np.abs(kernel).max()) or 1.0
            view.views["kernel"].set_maps(kernel, (-limit, limit))
            out = info["output"]
            top = float(np.abs(out).max()) or 1.0
            view.views["relu"].image.setColorMap(colormap(SIGNED_CMAP))
            view.views["relu"].set_maps(out[None], (-top, top))
            view.set_titles(relu="the layer's output channel",
                            kernel="its kernel slice for each input channel it reads (as the file stores it)",
                            input="", responses="", sum="", pre="")  # no sums to show: no empty panels named
            self.detail_shown.emit()
            return
        c_in, shown_inputs = info["input"].shape[0], info["shown_inputs"]
        source = "the model's input" if layer.inputs[0] == shown["request"].model.input_name else \
            f"the layer before ({html.escape(layer.inputs[0])})"
        # the output has both signs (no ReLU here): drawn in signed colours around 0, also when the detail
        # tab is hidden now and its maps are drawn once it is shown
        view.show_breakdown({**info, "relu": info["output"], "rectified": False}, (
            f"{title}: reads all {c_in} channels of {source}. Each is convolved with its own {k} kernel slice "
            f"(stride {info['stride']}, padding {info['padding']}), the {c_in} responses are summed and the bias "
            f"{format_number(info['bias'], 3)} is added: that is the layer's output (it differs from the model's "
            f"own by at most {info['error']:.1e})."))
        responses = "each input channel convolved with its slice"
        view.set_titles(relu="= the layer's output channel (click a pixel)", sum="sum of the responses",
                        pre="+ bias",
                        kernel="its kernel slice for each input channel (as the file stores it)",
                        responses=responses if shown_inputs == c_in else
                        f"{responses} (the first {shown_inputs} of {c_in})")
        self._render_pixel()
        self.detail_shown.emit()

    def _render_pixel(self, *_) -> None:
        """Spell out one output pixel of the open channel: conv_step on the model's own input and kernel."""
        info = self.detail
        if info is None or not info["plain"]:
            return
        height, width = info["output"].shape
        row, col = self.state.pixel or (height // 2, width // 2)
        if row >= height or col >= width:
            self.pixel_numbers = None
            return self.detail_view.show_pixel_outside(row, col, height, width)
        step = conv_step(info["input"], info["kernel"], info["bias"], row, col, stride=info["stride"],
                         padding=info["padding"])
        value = float(info["output"][row, col])
        self.pixel_numbers = {"row": row, "col": col, "step": step, "network": value}
        self.detail_view.show_pixel(step, None, value)
