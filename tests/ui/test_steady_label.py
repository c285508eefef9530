"""SteadyLabel: the same geometry and pixels as a plain QLabel, without a layout pass for texts of the same height."""

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from explainer.ui.widgets.steady_label import SteadyLabel

WORDS = "the network reads with probability next best true label receptive field weights channel".split()


class LayoutRequests(QObject):
    """Counts the layout requests a widget receives."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__()
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def column(label_type):
    """A fixed-width column as in the lessons: a text, a label under it, and a stretching frame."""
    root = QWidget()
    root.setFixedWidth(300)
    layout = QVBoxLayout(root)
    head = QLabel("Model: bundled digit CNN")
    label = label_type("", wordWrap=True)
    label.setAutoFillBackground(True)
    layout.addWidget(head)
    layout.addWidget(label)
    layout.addWidget(QFrame(frameShape=QFrame.Shape.StyledPanel), 1)
    root.resize(300, 400)
    return root, label


def row(label_type):
    """A big digit beside a word-wrapped text (the draw lesson's prediction)."""
    root = QWidget()
    root.setFixedWidth(300)
    outer = QVBoxLayout(root)
    line = QHBoxLayout()
    digit = QLabel("8", alignment=Qt.AlignmentFlag.AlignCenter)
    digit.setMinimumWidth(70)
    digit.setStyleSheet("font-size: 40pt; font-weight: 700;")
    label = label_type("", wordWrap=True)
    line.addWidget(digit)
    line.addWidget(label, 1)
    outer.addLayout(line)
    outer.addWidget(QFrame(frameShape=QFrame.Shape.StyledPanel), 1)
    root.resize(300, 300)
    return root, label


def texts(seed: int, n: int = 40) -> list[str]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        if i % 4 == 0:  # runs of texts with as many lines (each line still wraps or not by its words)
            lines = rng.integers(1, 4)
        out.append("<br>".join(" ".join(rng.choice(WORDS, rng.integers(2, 7))) + f" <b>{rng.integers(0, 10)}</b> "
                               f"{rng.random() * 100:.1f}%" for _ in range(lines)))
    return out


def shown_pair(qtbot, build):
    """The same layout with a plain QLabel and with a SteadyLabel, both shown."""
    (plain_root, plain), (steady_root, steady) = build(QLabel), build(SteadyLabel)
    for root in (plain_root, steady_root):
        qtbot.addWidget(root)
        root.show()
    qtbot.waitExposed(steady_root)
    return plain_root, plain, steady_root, steady


@pytest.mark.parametrize("build", [column, row])
def test_geometry_and_pixels_match_a_plain_label(qtbot, build):
    plain_root, plain, steady_root, steady = shown_pair(qtbot, build)
    held = 0
    for text in texts(1):
        plain.setText(text)
        steady.setText(text)
        qtbot.wait(1)  # the layouts run
        held += steady.held
        assert steady.text() == plain.text() == text
        assert steady.geometry() == plain.geometry()
        shown = [[w for w in root.findChildren(QWidget) if w.isVisibleTo(root)] for root in (plain_root, steady_root)]
        assert len(shown[0]) == len(shown[1])
        for a, b in zip(*shown):
            assert a.geometry() == b.geometry()
        assert plain_root.grab().toImage() == steady_root.grab().toImage()
    assert held >= 8  # it did hold for texts with as many lines as the one before


def test_texts_of_the_same_height_lay_nothing_out_and_another_height_does(qtbot):
    root, label = column(SteadyLabel)
    qtbot.addWidget(root)
    root.show()
    qtbot.waitExposed(root)
    label.setText("one line <b>0</b>")
    label.setText("one line <b>1</b>")  # it holds its size from here on (one layout pass to hold it)
    qtbot.wait(1)
    requests = LayoutRequests(root)
    before = label.height()
    for digit in range(2, 8):
        label.setText(f"one line <b>{digit}</b>")
        qtbot.wait(1)
    assert requests.count == 0 and label.held and label.height() == before
    label.setText("one line<br>and a second<br>and a third")
    qtbot.wait(1)
    assert requests.count >= 1 and not label.held and label.height() > before
    label.clear()
    qtbot.wait(1)
    assert label.text() == "" and label.height() == before  # an empty label keeps one line's height


def test_a_new_width_or_font_lets_the_layout_size_it_again(qtbot):
    root, label = column(SteadyLabel)
    qtbot.addWidget(root)
    root.show()
    qtbot.waitExposed(root)
    label.setText("a text that is long enough to wrap onto a second line in a narrow column")
    label.setText("another text that is long enough to wrap onto a second line in a column")
    assert label.held
    root.setFixedWidth(500)
    qtbot.wait(1)
    assert not label.held and label.width() > 400
    label.setText("a text that is long enough to wrap onto a second line in a narrow column")
    assert label.held
    font = label.font()
    font.setPointSize(font.pointSize() * 2)
    label.setFont(font)
    qtbot.wait(1)
    assert not label.held
    assert label.height() == label.heightForWidth(label.width())


def test_two_texts_in_one_turn_after_a_new_height_or_font_match_a_plain_label(qtbot):
    plain_root, plain, steady_root, steady = shown_pair(qtbot, column)

    def both(change):
        change(plain)
        change(steady)

    def same():
        qtbot.wait(1)
        assert steady.geometry() == plain.geometry()
        assert plain_root.grab().toImage() == steady_root.grab().toImage()

    both(lambda label: label.setText("one line <b>0</b>"))
    both(lambda label: label.setText("one line <b>1</b>"))
    same()
    both(lambda label: label.setText("three<br>lines<br>A"))  # lets go; the layout has not run yet…
    both(lambda label: label.setText("three<br>lines<br>B"))  # …when the next text holds again
    same()

    def bigger(label):
        font = label.font()
        font.setPointSize(font.pointSize() * 2)
        label.setFont(font)

    both(bigger)
    both(lambda label: label.setText("three<br>lines<br>C"))
    same()
    both(lambda label: label.setNum(12345))  # other setters let go too
    same()
    both(lambda label: label.setWordWrap(False))
    both(lambda label: label.setText("a text too long to fit on one line of this narrow column, unwrapped"))
    same()


def test_a_label_moved_to_another_parent_keeps_working(qtbot):
    root, label = column(SteadyLabel)
    qtbot.addWidget(root)
    root.show()
    qtbot.waitExposed(root)
    label.setText("one")
    label.setText("two")
    assert label.held
    other = QWidget()
    qtbot.addWidget(other)
    QVBoxLayout(other).addWidget(label)
    other.show()
    root.deleteLater()
    qtbot.wait(5)
    label.setText("three")  # the old parent is gone: no error, and it follows its new layout
    label.setText("four")
    qtbot.wait(1)
    assert label.text() == "four" and label.height() == label.heightForWidth(label.width())
