"""Number grids as tab-separated text: what "Copy as text" writes, and reading it back."""

import numpy as np
import pytest

from explainer.core import format_number
from explainer.core.formatting import format_grid, parse_grid


def test_rows_are_lines_and_cells_are_tabs_with_ascii_minus():
    text = format_grid([[308, -498, 164], [0.125, -1.5, 1e-9]])
    assert text == "308\t-498\t164\n0.12\t-1.5\t0"
    assert "−" not in text  # spreadsheets do not read the typographic minus


@pytest.mark.parametrize("digits", [0, 2, 4])
def test_random_grids_parse_back_to_the_numbers_as_shown(digits):
    rng = np.random.default_rng(digits)
    values = rng.normal(scale=50, size=(5, 7))
    values[0, 0], values[1, 1] = 0.0, -3.0
    parsed = parse_grid(format_grid(values, digits))
    shown = np.array([[float(format_number(v, digits).replace("−", "-")) for v in row] for row in values])
    assert parsed.shape == values.shape
    np.testing.assert_array_equal(parsed, shown)


def test_hidden_cells_are_empty_and_read_as_nan():
    hidden = np.array([[False, True], [True, True]])
    text = format_grid([[-25.0, 466.0], [295.0, 787.0]], hidden=hidden)
    assert text == "-25\t\n\t"
    parsed = parse_grid(text)
    assert parsed[0, 0] == -25 and np.isnan(parsed[0, 1]) and np.isnan(parsed[1]).all()


def test_infinities_and_nan_are_written_as_spreadsheets_read_them():
    text = format_grid([[np.inf, -np.inf, np.nan]])
    assert text == "inf\t-inf\tnan"
    parsed = parse_grid(text)
    assert parsed[0, 0] == np.inf and parsed[0, 1] == -np.inf and np.isnan(parsed[0, 2])


def test_spreadsheet_text_is_read_too():
    # A trailing line break, Windows line ends, a decimal comma and the lessons' own minus sign.
    np.testing.assert_array_equal(parse_grid("1\t−2,5\r\n3\t4\r\n"), [[1, -2.5], [3, 4]])


@pytest.mark.parametrize("text, words", [
    ("1\t2\n3", "row 2 has 1 cells, row 1 has 2"),
    ("1\tabc", "row 1, column 2: 'abc' is not a number"),
])
def test_malformed_text_is_refused_naming_the_cell(text, words):
    with pytest.raises(ValueError, match=words):
        parse_grid(text)


def test_a_grid_must_be_two_dimensional_and_its_mask_match():
    with pytest.raises(ValueError, match="2-D"):
        format_grid(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="hidden mask"):
        format_grid(np.zeros((2, 2)), hidden=np.zeros((3, 3), bool))
