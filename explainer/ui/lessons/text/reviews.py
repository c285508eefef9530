"""The bundled held-out reviews (our validation split of IMDB's training reviews), read without Qt."""

from __future__ import annotations

import functools
import json
import pathlib
from dataclasses import dataclass

from .... import io

LABELS = {0: "negative", 1: "positive"}


@dataclass(frozen=True)
class Review:
    """A review the networks never trained on, and its true label (1 = positive, 0 = negative)."""

    text: str
    label: int

    @property
    def verdict(self) -> str:
        return LABELS[self.label]


def reviews_path() -> pathlib.Path:
    return io.assets_dir() / "samples" / "imdb_heldout.json"


@functools.lru_cache(maxsize=1)
def bundled_reviews() -> tuple[Review, ...]:
    """The bundled reviews in file order; empty if the file is missing.

    Raises
    ------
    ValueError
        If the file is there but is not a list of reviews with labels 0 or 1.
    """
    path = reviews_path()
    if not path.is_file():
        return ()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path.name} is not readable JSON: {exc}") from exc
    rows = data.get("reviews") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise ValueError(f"{path.name} holds no list of reviews")
    reviews = []
    for number, row in enumerate(rows):
        if not (isinstance(row, dict) and isinstance(row.get("text"), str) and row.get("label") in LABELS):
            raise ValueError(f"review {number} of {path.name} has no text or no label 0/1")
        reviews.append(Review(row["text"], int(row["label"])))
    return tuple(reviews)


def title(review: Review, number: int, width: int = 60) -> str:
    """How the picker lists a review: its number, true label and opening words."""
    opening = " ".join(review.text.split())
    if len(opening) > width:
        opening = opening[: width - 1].rstrip() + "…"
    return f"#{number + 1} ({review.verdict}) {opening}"
