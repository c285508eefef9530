"""Drawing each tab of the text lesson from the reading on screen and the state (a mixin of the view).

Each ``_render_<tab>`` draws its whole page; the view calls it only for the
tab shown (others are drawn when they are next shown). Items are created once
in the pages and updated here with fixed colour levels.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QTableWidgetItem

from ....core.sequence import rnn_step
from . import describe as say
from . import work
from .state import MODEL_TITLES
from ....core.levels import percentile

#: Colour bound of W x_t, U h_{t−1}, b and their sum: tanh is almost flat beyond ±3.
PRE_ACTIVATION_LIMIT = 3.0


def set_title(plot, text: str) -> None:
    """Retitle a plot only when the title changes (setting one lays the plot out again)."""
    if plot.titleLabel.text != text:
        plot.setTitle(text)


class TabRendering:
    """The tab renderers of :class:`~.view.TextLesson` (which owns the pages, the state and the reading)."""

    _shown_architecture = None  # the network whose graph and summary are on the architecture tab
    _shown_embedding = None  # the network whose table and map are on the embedding tab

    def set_levels(self, bundle: work.Bundle) -> None:
        """Fix every colour scale from the networks (once, when they are loaded)."""
        self.convolution.strip.set_levels((0.0, bundle.levels["activation"]))
        kernel = percentile(np.abs(bundle.conv_w), 99.5) or 1.0
        embedding = bundle.levels["embedding"]
        self.convolution.window.set_levels({"kernel": (-kernel, kernel),
                                            "window": (-embedding["imdb_cnn"], embedding["imdb_cnn"]),
                                            "products": (-kernel * embedding["imdb_cnn"],
                                                         kernel * embedding["imdb_cnn"])})
        pre = (-PRE_ACTIVATION_LIMIT, PRE_ACTIVATION_LIMIT)
        rnn_limit = embedding["imdb_rnn"]
        self.rnn.step_view.set_levels({"x": (-rnn_limit, rnn_limit), "h_prev": (-1.0, 1.0), "wx": pre, "uh": pre,
                                       "b": pre, "pre": pre, "h": (-1.0, 1.0)})
        w, u, _b = bundle.rnn
        self.rnn.step_view.set_lengths(w.shape[1], w.shape[0])
        self.rnn.shapes.setText(f"{say.rnn_shapes(w, u)} Colours: x<sub>t</sub> ±{rnn_limit:.1f}; h ±1 (tanh's "
                                f"range); the products, b and the sum ±{PRE_ACTIVATION_LIMIT:g} (tanh is flat beyond).")

    def _step(self) -> int:
        return min(self.state.step, max(0, self.reading.count - 1)) if self.reading is not None else 0

    # ---------------------------------------------------------------- embedding
    def _render_embedding(self) -> None:
        page, bundle, reading, model = self.embedding, self.bundle, self.reading, self.state.model
        if bundle is None:
            return
        if self._shown_embedding != model:  # the table and the map change with the network, not the text
            self._shown_embedding = model
            page.lookup.set_table(bundle.tables[model], bundle.levels["embedding"][model])
            total, in_embedding = bundle.parameters[model]
            table = bundle.tables[model]
            page.parameters.setText(say.parameter_note(total, in_embedding, model, table.shape[0], table.shape[1]))
            if model in bundle.maps:
                push = bundle.maps[model]["push"]
                page.map.set_map(bundle.maps[model]["xy"], push, float(np.abs(push).max()),
                                 f"embedding of the {MODEL_TITLES[model]}")
        if reading is None:
            return
        page.lookup.set_rows(reading.result.ids, reading.tokens, reading.model(model).embeddings)
        indices, words = bundle.on_map(reading.tokens)
        page.map.set_highlight(indices, words)

    # ---------------------------------------------------------------- 1-D convolution
    def _render_convolution(self) -> None:
        page, bundle, reading = self.convolution, self.bundle, self.reading
        if bundle is None or reading is None:
            return
        cnn = reading.model("imdb_cnn")
        count, k = reading.count, bundle.kernel
        filt, t = min(self.state.filter, bundle.filters - 1), self._step()
        acts = cnn.activations if count else np.zeros((bundle.filters, 0))
        set_title(page.strip.plot, f"ReLU(conv) of each of the {bundle.filters} filters (k = {k} words) at each word")
        page.strip.set_values(acts, reading.tokens)
        set_title(page.bars, f"filter {filt}: its activation at each word, the window ending at word {t + 1}"
                  if count else "")
        if not count:
            page.bar_item.setOpts(x=[], height=[])
            page.window_region.hide()
            page.window.clear()
            page.formula.setText("")
            page.logit.setText("")
            page.table.setRowCount(0)
            return
        first = max(0, t - k + 1)
        page.strip.mark("filter", (filt, 0, 1, count), color="#ffffff", width=1.0)
        page.strip.mark("window", (filt, first, 1, t + 1 - first))
        page.bar_item.setOpts(x=np.arange(count) + 0.5, height=acts[filt])
        page.bars.setYRange(0, max(float(acts[filt].max()), bundle.levels["activation"]), padding=0.05)
        page.window_region.setRegion((first, t + 1))
        page.window_region.show()
        numbers = work.window_numbers(bundle, cnn.embeddings, filt, t)
        words = [reading.tokens[j] if j >= 0 else "(zero pad)" for j in range(t - k + 1, t + 1)]
        page.window.set_window(numbers["kernel"].T, numbers["window"].T, words)
        page.formula.setText(say.conv_formula(numbers, filt, t, reading.tokens[t]))
        rows = work.top_filters(bundle, reading)
        page.table_filters = [int(r["filter"]) for r in rows]  # what a click on a row selects
        table = page.table
        if table.rowCount() != len(rows):
            table.setRowCount(len(rows))
        for row, cells in enumerate(say.filter_rows(rows)):
            for col, text in enumerate(cells):
                item = table.item(row, col)
                if item is None:
                    table.setItem(row, col, QTableWidgetItem(text))
                elif item.text() != text:
                    item.setText(text)
        weights, bias = bundle.dense["imdb_cnn"]
        page.logit.setText(say.logit_line(acts.max(axis=1), weights, bias))

    # ---------------------------------------------------------------- RNN
    def rnn_step_shown(self):
        """The RNN step at the selected word (``core.rnn_step`` on the RNN's weights), or None without words."""
        reading, bundle = self.reading, self.bundle
        if reading is None or bundle is None or not reading.count:
            return None
        rnn, t = reading.model("imdb_rnn"), self._step()
        previous = rnn.states[t - 1] if t else np.zeros(rnn.states.shape[1])
        return rnn_step(rnn.embeddings[t], previous, *bundle.rnn)

    def _render_rnn(self) -> None:
        page, reading = self.rnn, self.reading
        if self.bundle is None or reading is None:
            return
        step = self.rnn_step_shown()
        page.step_view.set_step(step)
        if step is None:
            page.step_label.setText("<b>Type a review</b> to step through its words.")
            page.units.setText("")
            page.strip.set_values(np.zeros((self.bundle.rnn[1].shape[0], 0)), [])
            return
        t, rnn = self._step(), reading.model("imdb_rnn")
        page.step_label.setText(f"<b>t = {t + 1}</b>: {say.word_label(reading, t)} · P(positive) of the RNN "
                                f"after it: {rnn.running[t]:.3f}")
        page.units.setText(say.units_table(step, say.moved_units(step)))
        page.strip.set_values(rnn.states.T, reading.tokens)
        page.strip.mark_word("step", t)

    # ---------------------------------------------------------------- LSTM
    def _render_lstm(self) -> None:
        page, reading = self.lstm, self.reading
        if self.bundle is None or reading is None:
            return
        lstm = reading.model("imdb_lstm")
        if not reading.count or lstm.gates is None:
            for strip in page.strips.values():
                strip.set_values(np.zeros((0, 0)), [])
            page.step_label.setText("<b>Type a review</b> to see the gates open and close.")
            return
        t = self._step()
        values = {"h": lstm.states, "i": lstm.gates["i"], "f": lstm.gates["f"], "o": lstm.gates["o"]}
        for key, strip in page.strips.items():
            strip.set_values(values[key].T, reading.tokens)
            strip.mark_word("step", t)
        page.step_label.setText(f"<b>t = {t + 1}</b>: {say.word_label(reading, t)}. "
                                + say.gates_at(lstm.gates, t, reading.tokens[t]))

    # ---------------------------------------------------------------- sentiment
    def _render_sentiment(self) -> None:
        page, reading, model = self.sentiment, self.reading, self.state.model
        if reading is None:
            return
        curves = {name: (reading.model(name).start, reading.model(name).running) for name in MODEL_TITLES}
        page.plot.set_curves(reading.tokens, curves)
        moves = reading.model(model).moves if reading.count else np.zeros(0)
        page.plot.set_moves(moves, say.MOVE_LIMIT, f"how much each word moved P(positive) of the "
                                                   f"{MODEL_TITLES[model]}")
        page.plot.set_step(self._step() if reading.count else None)
        if not reading.count:
            page.summary.setText("<b>Type a review</b> to watch the three networks change their minds.")
            return
        finals = " · ".join(f"{MODEL_TITLES[n]} {reading.model(n).probability:.3f}" for n in MODEL_TITLES)
        strongest = int(np.argmax(np.abs(moves)))
        page.summary.setText(f"After the whole text: {finals}. The word that moved the {MODEL_TITLES[model]} most: "
                             f"{say.quoted(reading.tokens[strongest])} ({say.signed(float(moves[strongest]))}).")

    # ---------------------------------------------------------------- architecture
    def _render_architecture(self) -> None:
        page, model = self.architecture, self.state.model
        if self.bundle is not None:
            total, in_embedding = self.bundle.parameters[model]
            table = self.bundle.tables[model]
            page.parameters.setText(say.parameter_note(total, in_embedding, model, *table.shape))
        description = self.descriptions.get(model)
        if description is None:
            page.summary.setPlainText("Tracing the networks…")
            return
        if self._shown_architecture == model:
            return
        self._shown_architecture = model
        page.graph.set_rows(description["rows"], description["shape"])
        page.graph.fit()
        page.summary.setPlainText(description["text"])
