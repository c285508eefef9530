"""The text lesson's parts: the reader on top and one page per tab (widgets and layout only).

The view (:mod:`.view`) binds them to the state and fills them with readings.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from ...widgets.embedding_map import EmbeddingLookup, EmbeddingMap
from ...widgets.heat_strip import HeatStrip
from ...widgets.layer_graph import LayerGraph
from ...widgets.summary_text import SummaryText
from ...widgets.maps import ACTIVATION_CMAP, SIGNED_CMAP, colormap
from ...widgets.rnn_step_view import RNNStepView
from ...widgets.sentiment_plot import SentimentPlot
from ...widgets.stepper_controls import StepperControls
from ...widgets.token_strip import TokenStrip
from ...widgets.window_products import WindowProducts
from .describe import MAP_HINT, MOVE_LIMIT
from .state import MODEL_CHOICES, MODEL_TITLES, SPEED_RANGE

BANNER_STYLE = "background: #fff3cd; color: #664d03; padding: 6px; border-radius: 4px;"


def fixed_lines(widget: QLabel, lines: int) -> QLabel:
    """Give a label that changes at every step a fixed height, so a new text never re-lays out the page."""
    widget.setFixedHeight(widget.fontMetrics().lineSpacing() * lines + 6)
    return widget


def label(text: str = "", name: str = "", rich: bool = True, style: str = "") -> QLabel:
    widget = QLabel(text, objectName=name, wordWrap=True)
    if rich:
        widget.setTextFormat(Qt.TextFormat.RichText)
    if style:
        widget.setStyleSheet(style)
    return widget


def model_combo(name: str) -> QComboBox:
    combo = QComboBox(objectName=name)
    for model in MODEL_CHOICES:
        combo.addItem(MODEL_TITLES[model], model)
    return combo


def colour_legend(limit: float) -> str:
    """Rich text naming the two ends of the diverging word colours (taken from the colour map)."""
    low, middle, high = (c.name() for c in colormap(SIGNED_CMAP).map([0.1, 0.5, 0.9], "qcolor"))
    return (f"<span style='background:{low};color:white'>&nbsp;towards negative&nbsp;</span> "
            f"<span style='background:{middle}'>&nbsp;no change&nbsp;</span> "
            f"<span style='background:{high};color:white'>&nbsp;towards positive&nbsp;</span> "
            f"<span style='color:#666'>(full colour: P moved by {limit:g} or more)</span>")


class Reader(QWidget):
    """The text box with the review picker, the three verdicts, and the tokens as chips."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.review_combo = QComboBox(objectName="reviewCombo", minimumContentsLength=30)
        self.review_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.review_combo.addItem("— your own text —", None)  # the bundled reviews follow once loaded
        self.review_combo.setToolTip("Pick one of the bundled reviews (held out from training, with their true "
                                     "labels), or type your own")
        self.true_label = label(name="trueLabel")
        self.editor = QPlainTextEdit(objectName="textBox")
        self.editor.setPlaceholderText("Type or paste a movie review…")
        self.editor.setFixedHeight(84)
        self.verdicts = label(name="verdicts")
        self.verdicts.setMinimumWidth(370)
        self.verdicts.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.banner = label(name="modelBanner", style=BANNER_STYLE)
        self.banner.hide()
        self.colour_combo = model_combo("colourModelCombo")
        self.colour_combo.setToolTip("Whose change of P(positive) colours the words (also the model shown in "
                                     "the embedding and architecture tabs)")
        self.legend = label(colour_legend(MOVE_LIMIT), "colourLegend")
        self.tokens = TokenStrip()
        self.tokens.setObjectName("tokenStrip")
        self.token_scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.StyledPanel)
        self.token_scroll.setWidget(self.tokens)
        self.token_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.token_scroll.setFixedHeight(2 * self.tokens.chip_height + 22)
        self.token_note = label(name="tokenNote")

        picker = QHBoxLayout()
        picker.addWidget(QLabel("Review:"))
        picker.addWidget(self.review_combo, 1)
        picker.addWidget(self.true_label)
        left = QVBoxLayout()
        left.addLayout(picker)
        left.addWidget(self.editor)
        top = QHBoxLayout()
        top.addLayout(left, 1)
        top.addWidget(self.verdicts)
        colours = QHBoxLayout()
        colours.addWidget(QLabel("<b>Tokens → ids</b>, coloured by how much each word moved P(positive) of the"))
        colours.addWidget(self.colour_combo)
        colours.addWidget(self.legend, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addLayout(colours)
        layout.addWidget(self.token_scroll)
        layout.addWidget(self.token_note)


class EmbeddingPage(QWidget):
    """The lookup (rows of the table) and the 2-D map of the words, with the parameter count."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.parameters = label(name="parameterNote")
        self.lookup = EmbeddingLookup()
        self.lookup.setObjectName("embeddingLookup")
        self.map = EmbeddingMap()
        self.map.setObjectName("embeddingMap")
        self.hover = label(MAP_HINT, "neighbours")
        self.hover.setMinimumHeight(36)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(label("<b>Embedding = looking up rows.</b> Each id picks its row of the table E; "
                               "the network reads the picked rows x<sub>1</sub> … x<sub>T</sub>."))
        column.addWidget(self.lookup, 1)
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(label("<b>The 3,000 most frequent words</b>, projected to 2-D (PCA of their vectors), "
                               "coloured by how each word alone pushes P(positive). The words of your text are "
                               "ringed.", "mapTitle"))
        column.addWidget(self.map, 1)
        column.addWidget(self.hover)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([540, 520])
        layout = QVBoxLayout(self)
        layout.addWidget(self.parameters)
        layout.addWidget(split, 1)


class ConvolutionPage(QWidget):
    """Activations of every filter at every word, one filter word by word, its window, and the max pool."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setObjectName("convolutionPlots")
        self.strip = HeatStrip("", "filter", ACTIVATION_CMAP, (0.0, 1.0), show_words=False,
                               color_bar="ReLU(conv)")
        self.bars = pg.PlotItem()
        self.bars.setMenuEnabled(False)
        self.bars.setMouseEnabled(False, False)
        self.bars.hideButtons()
        self.bars.setLabel("left", "activation")
        self.bars.setLabel("bottom", "word (the window ends here)")
        self.bars.setXLink(self.strip.plot)
        self.bars.getAxis("left").setWidth(50)
        self.strip.label_words_on(self.bars.getAxis("bottom"))
        self.bar_item = pg.BarGraphItem(x=[], height=[], width=0.8, brush="#56B4E9")
        self.bars.addItem(self.bar_item)
        self.window_region = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(230, 159, 0, 60),
                                                 pen=pg.mkPen("#E69F00"))
        self.window_region.setZValue(-10)  # behind the bars
        self.bars.addItem(self.window_region)
        self.graphics.addItem(self.strip.plot, row=0, col=0)
        self.graphics.addItem(self.strip.bar, row=0, col=1)
        self.graphics.addItem(self.bars, row=1, col=0)
        self.graphics.ci.layout.setRowStretchFactor(0, 3)
        self.graphics.ci.layout.setRowStretchFactor(1, 2)
        self.window = WindowProducts()
        self.window.setObjectName("windowProducts")
        self.formula = label(name="convFormula")
        self.table = QTableWidget(0, 5, objectName="topFilters")
        #: The filter shown in each row of the table (kept by the renderer; never read back from a cell).
        self.table_filters: list[int] = []
        self.table.setHorizontalHeaderLabels(["filter", "n-gram that fired most", "max", "weight", "= push"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()  # fixed widths: fitting them to the contents on every keystroke is slow
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 46), (2, 52), (3, 62), (4, 62)):
            header.resizeSection(column, width)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setFixedHeight(150)
        self.logit = label(name="logitLine")
        self.link_button = QPushButton("Open the convolution lesson", objectName="convolutionLessonButton")
        intro = label("<b>A 1-D convolution slides a k × d kernel along the words</b>: the same weights at every "
                      "position (shared weights in time), like the 2-D kernels of the convolution lesson with "
                      "words in place of pixels. Click a filter's row or a word.")
        side = QWidget()
        side.setFixedWidth(390)
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.window, 1)
        column.addWidget(self.formula)
        column.addWidget(self.logit)
        link = QHBoxLayout()
        link.addWidget(QLabel("The same window in 2-D:"))
        link.addWidget(self.link_button)
        link.addStretch(1)
        column.addLayout(link)
        pooling = QVBoxLayout()
        pooling.addWidget(label("<b>Global max pooling</b> keeps each filter's largest activation, the n-gram "
                                "that fired it most. The filters that pushed the verdict most (max × weight):"))
        pooling.addWidget(self.table)
        grid = QGridLayout(self)
        grid.addWidget(intro, 0, 0, 1, 2)
        grid.addWidget(self.graphics, 1, 0)
        grid.addLayout(pooling, 2, 0)
        grid.addWidget(side, 1, 1, 2, 1)
        grid.setRowStretch(1, 1)
        grid.setColumnStretch(0, 1)


class RecurrentPage(QWidget):
    """The plain RNN one word at a time: the step's vectors, a few units written out, the states over time."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stepper = StepperControls(SPEED_RANGE, noun="word")
        self.stepper.setMaximumWidth(380)
        self.step_label = fixed_lines(label(name="rnnStepLabel"), 2)
        self.step_view = RNNStepView()
        self.step_view.setObjectName("rnnStepView")
        self.step_view.setMaximumHeight(250)
        self.units = fixed_lines(label(name="rnnUnits"), 9)  # a header and up to six rows of units
        self.shapes = label(name="rnnShapes")
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setObjectName("rnnStates")
        self.graphics.setMinimumHeight(190)
        self.strip = HeatStrip("hidden state h<sub>t</sub> of the RNN after each word", "unit", SIGNED_CMAP,
                               (-1.0, 1.0), color_bar="h")
        self.graphics.addItem(self.strip.plot, row=0, col=0)
        self.graphics.addItem(self.strip.bar, row=0, col=1)
        top = QHBoxLayout()
        top.addWidget(self.stepper)
        top.addWidget(self.step_label, 1)
        middle = QHBoxLayout()
        middle.addWidget(self.step_view, 3)
        notes = QVBoxLayout()
        notes.addWidget(label("<b>h<sub>t</sub> = tanh(W x<sub>t</sub> + U h<sub>t−1</sub> + b)</b>: the new "
                              "memory mixes the word with the memory so far. The units this word changed most:"))
        notes.addWidget(self.units)
        notes.addWidget(self.shapes)
        notes.addStretch(1)
        middle.addLayout(notes, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(middle)
        layout.addWidget(self.graphics, 1)


class GatesPage(QWidget):
    """The LSTM's hidden state and its input, forget and output gates over the words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setObjectName("lstmPlots")
        self.strips = {
            "h": HeatStrip("hidden state h<sub>t</sub> = o ⊙ tanh(c<sub>t</sub>)", "unit", SIGNED_CMAP, (-1.0, 1.0),
                           color_bar="h", show_words=False),
            "i": HeatStrip("input gate i: how much of the new candidate enters the cell", "unit", ACTIVATION_CMAP,
                           (0.0, 1.0), color_bar="gate", show_words=False),
            "f": HeatStrip("forget gate f: how much of the old cell state is kept", "unit", ACTIVATION_CMAP,
                           (0.0, 1.0), color_bar="gate", show_words=False),
            "o": HeatStrip("output gate o: how much of the cell is shown as h", "unit", ACTIVATION_CMAP, (0.0, 1.0),
                           color_bar="gate"),
        }
        for row, strip in enumerate(self.strips.values()):
            self.graphics.addItem(strip.plot, row=row, col=0)
            self.graphics.addItem(strip.bar, row=row, col=1)
            if row:
                strip.plot.setXLink(self.strips["h"].plot)
        self.step_label = fixed_lines(label(name="lstmStepLabel"), 2)
        layout = QVBoxLayout(self)
        layout.addWidget(label("<b>LSTM</b>: c<sub>t</sub> = f ⊙ c<sub>t−1</sub> + i ⊙ g and h<sub>t</sub> = o ⊙ "
                               "tanh(c<sub>t</sub>). Gates near 1 are open: a forget gate near 1 keeps the memory. "
                               "Click a word or use ← / → to move the marker."))
        layout.addWidget(self.step_label)
        layout.addWidget(self.graphics, 1)


class SentimentPage(QWidget):
    """P(positive) after each word for the three networks, and each word's push for one of them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = SentimentPlot(dict(MODEL_TITLES))
        self.plot.setObjectName("sentimentPlot")
        self.summary = label(name="sentimentSummary")
        layout = QVBoxLayout(self)
        layout.addWidget(label("Every network only looks backwards, so P(positive) after word t is exactly what it "
                               "would say if the review stopped there. The CNN keeps a running maximum of its "
                               "filters, the RNN and LSTM a running mean of their states."))
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.summary)


class ArchitecturePage(QWidget):
    """The layer graph and the Keras-style summary of the chosen network."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model_combo = model_combo("architectureModelCombo")
        self.graph = LayerGraph()
        self.graph.setObjectName("layerGraph")
        self.graph.setMinimumHeight(170)
        self.summary = SummaryText()
        self.parameters = label(name="architectureParameters")
        top = QHBoxLayout()
        top.addWidget(QLabel("Network:"))
        top.addWidget(self.model_combo)
        top.addWidget(self.parameters, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(label("<b>Layer graph</b> (left to right; activations and dropout are folded into the box "
                               "before them). The max and the mean over time are tensor operations in "
                               "<code>forward</code>, and the sigmoid is applied to the output logit."))
        layout.addWidget(self.graph, 2)
        layout.addWidget(QLabel("<b>model.summary()</b> — traced from the real module on 400 word ids"))
        layout.addWidget(self.summary, 3)
