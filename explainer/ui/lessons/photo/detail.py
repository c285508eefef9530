"""The photo lesson's channel detail for the bundled network: how one channel of a layer is computed.

A mixin of :class:`~.view.PhotoLesson` (it uses the lesson's ``state``, ``shown``, ``detail_view``,
``send_button`` and its ``_detailer`` runner). A convolution channel is written out as per-input-channel
sums with :func:`explainer.core.conv_step` on the network's own weights (batch norm folded in), next to
the network's own value; a shortcut's sum as the block's last convolution plus the block's input.
"""

from __future__ import annotations

import numpy as np

from ....core import conv_step, format_number
from ...workers import WorkResult
from .analysis import channel_breakdown, sum_breakdown
from .state import TABS

PICK_A_CHANNEL = ("Click a channel of a conv layer (or of a shortcut's sum) under <i>Every layer</i>, or one of "
                  "the kernel patches, to see how it is computed.")


class BundledChannelDetail:
    """Open a channel of the bundled network's layers and spell out one of its pixels (mixed into the lesson)."""

    # ================================================================ channel detail
    def _on_overview_channel_clicked(self, key: str, channel: int) -> None:
        if key.startswith(("conv", "add")):
            self._open_channel(key, channel)
        else:
            self.commands.post_message("Pooling and dense layers have nothing to open; click a conv layer or a "
                                       "shortcut's sum.")

    def _open_channel(self, key: str, channel: int) -> None:
        self.state.select_channel(key, channel)
        self.state.tab = TABS.index("Channel detail")

    def _request_detail(self) -> None:
        self.detail = self.pixel_numbers = None
        self._wanted_detail = None
        selection = self.state.selection
        done = self.shown["breakdown"] if self.shown is not None else None
        if done is None or done[0] != selection:  # shown at once below otherwise: no off-and-on flicker
            self.send_button.setEnabled(False)
        if self.shown is None:
            return self.detail_view.show_message("The channel detail appears once a photo has been read.")
        if selection is None:
            return self.detail_view.show_message(PICK_A_CHANNEL)
        key, channel = selection
        stage = self.stage(key)
        if stage is None:
            convs = [s.key for s in self.shown["stages"] if s.key.startswith("conv")]
            return self.detail_view.show_message(f"This network has no layer {key}; its conv layers are "
                                                 f"{', '.join(convs)}.")
        if channel >= stage.values.shape[0]:
            count = stage.values.shape[0]
            return self.detail_view.show_message(f"{key} has {count} channels (0 to {count - 1}); there is no "
                                                 f"channel {channel}.")
        if stage.shortcut is not None:  # a shortcut's sum: one addition per pixel, worked out at once
            return self._show_sum(self.shown, selection, sum_breakdown(stage, channel))
        # ``done``: worked out with the photo, if this channel was open then
        if done is not None and done[0] == selection:
            return self._show_breakdown(self.shown, selection, done[1])
        self._wanted_detail = (self.shown, selection)
        self._detailer.submit(channel_breakdown, stage, channel, context=self._wanted_detail)

    def _on_detail_computed(self, result: WorkResult) -> None:
        if result.context is not self._wanted_detail:
            return
        shown, (key, channel) = result.context
        if result.error is not None:
            return self.detail_view.show_message(f"Could not open {key} channel {channel}: {result.error}")
        self._show_breakdown(shown, (key, channel), result.value)

    def _show_breakdown(self, shown: dict, selection: tuple[str, int], info: dict) -> None:
        key, channel = selection
        stage = next(s for s in shown["stages"] if s.key == key)
        self.detail = {**info, "key": key, "channel": channel, "stage": stage}
        c_in, k = info["input"].shape[0], info["kernel"].shape[-1]
        where = ("the normalised photo (the network subtracts the CIFAR-10 mean and divides by the spread)"
                 if key == "conv1" else "the previous layer's output")
        self.detail_view.show_breakdown(info, (
            f"<b>{stage.title}, channel {channel}</b>: reads all {c_in} channels of {where}. Each is convolved "
            f"with its own {k}×{k} kernel slice, the {c_in} responses are summed, the bias "
            f"{format_number(info['bias'], 3)} is added" + (
                ", and ReLU keeps the positive part." if stage.relu else
                ": no ReLU yet. This convolution ends a residual block, so its output is first added to the "
                "block's input (the shortcut, the next layer), and the ReLU comes after that sum.")
            + " Batch norm is folded into the kernel and bias, as it is at inference."))
        self.detail_view.set_titles(relu="ReLU = the channel (click a pixel)" if stage.relu else
                                    "= the channel (click a pixel)")
        self.send_button.setEnabled(key == "conv1" and c_in == 3)
        self._render_pixel()

    def _show_sum(self, shown: dict, selection: tuple[str, int], info: dict) -> None:
        key, channel = selection
        stage = next(s for s in shown["stages"] if s.key == key)
        body = self._summed_conv(shown, key)
        self.detail = {**info, "key": key, "channel": channel, "stage": stage, "body_name": body}
        self.detail_view.show_sum(info, (
            f"<b>{stage.title}, channel {channel}</b>: no kernel here. The residual block's last convolution "
            f"({body}, after its batch norm, no ReLU) is added pixel by pixel to what came into the block, "
            "unchanged: the shortcut. ReLU of the sum is the channel. The block's convolutions only have to "
            "learn a change to their input."), body)
        self.send_button.setEnabled(False)
        self._render_pixel()

    @staticmethod
    def _summed_conv(shown: dict, key: str) -> str:
        """The key of the convolution a shortcut's sum ``key`` adds (the stage just before it)."""
        keys = [s.key for s in shown["stages"]]
        index = keys.index(key)
        return keys[index - 1] if index > 0 else "the convolution"

    def _render_pixel(self, *_) -> None:
        """Spell out one output pixel of the open channel (conv_step on the network's own weights)."""
        info = self.detail
        if info is None:
            return
        height, width = info["relu"].shape
        row, col = self.state.pixel or (height // 2, width // 2)
        if row >= height or col >= width:
            self.pixel_numbers = None
            return self.detail_view.show_pixel_outside(row, col, height, width)
        channel = info["channel"]
        if "body" in info:  # a shortcut's sum
            model_value = float(info["stage"].values[channel, row, col])
            self.pixel_numbers = {"row": row, "col": col, "sum": float(info["sum"][row, col]),
                                  "relu": float(info["relu"][row, col]), "network": model_value}
            return self.detail_view.show_sum_pixel(row, col, info, info["body_name"], model_value)
        step = conv_step(info["input"], info["weights"][channel], info["biases"][channel], row, col,
                         padding=info["padding"])
        relu = max(step.value, 0.0) if info["stage"].relu else None
        model_value = float(info["stage"].values[channel, row, col])
        self.pixel_numbers = {"row": row, "col": col, "step": step, "relu": relu, "network": model_value}
        self.detail_view.show_pixel(step, relu, model_value)

    # ================================================================ to the convolution lesson
    def send_kernel(self) -> None:
        """Offer the open conv1 kernel (batch norm folded in) to the convolution lesson, and open it."""
        info = self.detail
        if info is None or info["key"] != "conv1":
            return
        self.app_state.offer_kernel(np.round(info["kernel"], 3), round(info["bias"], 3),
                                    f"photo network conv1 kernel {info['channel']}")
        self.commands.request_lesson("convolution")
