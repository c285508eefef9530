"""The convolution lesson's numbers on screen: the output size, the step being explained and the hover links.

A mixin of :class:`~explainer.ui.lessons.convolution.view.ConvolutionLesson` (it uses the
page's widgets: ``rows``, ``sum_line``, ``output_value``, ``output_title``, ``output_grid``,
``formula``, ``error_label`` and ``position_label``, the lesson's state, the hovered cells
and its ``_render_controls`` and ``_relayout``). Every number comes from
:func:`explainer.core.conv_step` and the state's :meth:`~.state.ConvolutionState.result`.
"""

from __future__ import annotations

import numpy as np

from ....core import conv_step, describe_output_size, format_number, outputs_reading, window_cells


def _signed(text: str) -> str:
    """A number as a term of a sum: negatives in brackets, "(−498)"."""
    return f"({text})" if text.startswith("−") else text


class StepDisplay:
    """Draws the input, kernels and geometry (:meth:`_render`) and the output cell being explained."""

    def _render(self, *_args) -> None:
        """Everything that depends on the input, kernels and geometry."""
        s = self.state
        self._render_controls()
        problem = s.problem()
        if problem:  # only between two fields of one change (or set by hand): say so, draw nothing stale
            self._show_no_output(f"<b>These settings do not fit together:</b> {problem}.", "")
            self._render_step()
            return
        self.rows.set_channels(s.channel_names)
        self.rows.set_inputs(np.pad(s.x, ((0, 0), (s.padding,) * 2, (s.padding,) * 2)), s.padding)
        self.rows.set_kernels(s.w[s.kernel])
        (c_in, h, w), k, (p, st, d) = s.x.shape, s.kernel_size, (s.padding, s.stride, s.dilation)
        sizes = describe_output_size(h, k, st, p, d)
        shape = s.output_shape()
        if shape is None:
            _, error = s.result()
            self._show_no_output(f"<b>Impossible setting.</b> {error}. Make the kernel or dilation smaller, "
                                 "or add padding.",
                                 f"<b>Output size</b> (n = {h}, k = {k}, p = {p}, s = {st}, d = {d}):<br>"
                                 f"{sizes} — no output")
        else:
            self.error_label.hide()
            self.output_grid.show()
            oh, ow = shape
            width_line = "" if h == w else "<br>" + describe_output_size(w, k, st, p, d)
            self.formula.setText(
                f"<b>Output size</b> ⌊(n + 2p − d(k − 1) − 1) / s⌋ + 1 with n = {h}, k = {k}, p = {p}, "
                f"s = {st}, d = {d}:<br>{sizes}{width_line}<br>"
                f"Input ({c_in}, {h}, {w}) → output <b>({s.kernel_count}, {oh}, {ow})</b>: "
                f"one {oh}×{ow} feature map per kernel.")
        self._render_step()
        self._relayout()

    def _show_no_output(self, why: str, formula: str) -> None:
        self.error_label.setText(why)
        self.error_label.show()
        self.output_grid.hide()
        self.output_title.setText("")
        self.formula.setText(formula)

    def _render_step(self, *_args) -> None:
        """Everything that depends on the output cell being explained."""
        s = self.state
        output, _ = s.result()
        cell = s.cursor_cell()
        if output is None or cell is None or len(self.rows.rows) != s.channels:
            self.rows.set_step(None, None, None)
            self.sum_line.setText("—")
            self.output_value.setText("")
            self.position_label.setText("")
            return
        r, c = cell
        step = conv_step(s.x, s.w[s.kernel], s.b[s.kernel], r, c, s.stride, s.padding, s.dilation)
        self.rows.set_step([(int(a), int(b)) for a in step.rows for b in step.cols], step.products,
                           step.channel_sums)
        sums = " + ".join(_signed(format_number(v)) for v in step.channel_sums)
        self.sum_line.setText(f"{sums} + {_signed(format_number(step.bias))} = <b>{format_number(step.value)}</b>")
        self.output_value.setText(f"→ output cell ({r}, {c}) of feature map {s.kernel + 1}")
        oh, ow = output.shape[1:]
        self.output_title.setText(f"<b>Output</b> of kernel {s.kernel + 1}: {oh}×{ow} "
                                  "(cells fill in as the kernel moves; click one to jump)")
        index = r * ow + c
        self.output_grid.set_values(output[s.kernel])
        self.output_grid.set_hidden(np.arange(oh * ow).reshape(oh, ow) > index)
        self.output_grid.set_highlight("window", [(r, c)])
        self.position_label.setText(f"cell {index + 1} of {oh * ow}")
        self._show_hover_links()

    def _show_hover_links(self) -> None:
        """Output hovered → its window on every channel; input hovered → every output cell that reads it."""
        s = self.state
        shape = None if s.problem() else s.output_shape()
        k, st, d = s.kernel_size, s.stride, s.dilation
        window, outputs = [], []
        if shape is not None and self._hover_output is not None:
            r, c = self._hover_output
            if r < shape[0] and c < shape[1]:
                window = window_cells(r, c, k, st, d)
        if shape is not None and self._hover_input is not None:
            outputs = outputs_reading(self._hover_input[1], self._hover_input[2], shape, k, st, d)
        self.rows.set_hover_window(window)
        self.output_grid.set_highlight("hover", outputs)
