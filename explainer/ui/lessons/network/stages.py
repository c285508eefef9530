"""A user model's layers as graph rows, with very deep graphs folded into stages (no Qt).

The layer graph draws one box per row. A ResNet has hundreds of nodes, so past
:data:`COLLAPSE_ABOVE` layers consecutive layers are grouped into stages that
draw as one box each and open when clicked. A stage is, where the names say so,
everything under one top-level name (``/layer1/layer1.0/conv1/Conv`` and
``layer1.0.conv1`` both belong to ``layer1``); otherwise the layers from one
join (an ``Add`` or ``Concat``) to the next.
"""

from __future__ import annotations

import math

from ....models.summary import SummaryRow

#: Graphs with more layers than this are shown as stages.
COLLAPSE_ABOVE = 40
#: At most this many boxes when every stage is closed (consecutive stages are merged beyond it).
MAX_STAGES = 40
#: An opened stage of more layers than this shows its own stages (one level down the names).
OPEN_AT_ONCE = 20
#: How many levels of names stages follow.
MAX_DEPTH = 4

#: What a closed stage is called in the graph (its colour kind).
STAGE_KIND = "stage"


def layer_rows(layers) -> list[SummaryRow]:
    """One graph row per :class:`~explainer.models.external.ExternalLayer`, in graph order."""
    return [SummaryRow(layer.name, layer.op_type, layer.kind, tuple(layer.output_shape), int(layer.parameters),
                       int(layer.parameters) - int(layer.non_trainable), list(layer.inputs)) for layer in layers]


def name_prefix(name: str, depth: int = 1) -> str | None:
    """The first ``depth`` parts of a hierarchical layer name, or None when the name has no more parts than that.

    >>> name_prefix("/layer1/layer1.0/conv1/Conv"), name_prefix("layer2.1.bn1"), name_prefix("fc")
    ('layer1', 'layer2', None)
    >>> name_prefix("/layer1/layer1.0/conv1/Conv", 2), name_prefix("layer2.1.bn1", 2)
    ('layer1/layer1.0', 'layer2/1')
    """
    parts = [part for part in name.split("/" if "/" in name else ".") if part]  # ONNX paths, or module names
    return "/".join(parts[:depth]) if len(parts) > depth else None


def _runs(rows: list[SummaryRow], keys: list) -> list[tuple[str | None, list[SummaryRow]]]:
    """Consecutive rows with the same key, as (key, rows); a row without a key stands alone."""
    runs: list[tuple[str | None, list[SummaryRow]]] = []
    for row, key in zip(rows, keys):
        if key is not None and runs and runs[-1][0] == key:
            runs[-1][1].append(row)
        else:
            runs.append((key, [row]))
    return runs


def _by_joins(rows: list[SummaryRow]) -> list[tuple[str | None, list[SummaryRow]]]:
    """Stages that end at each join (a layer reading two or more others) and the activation right after it:
    a residual block each."""
    groups: list[list[SummaryRow]] = [[]]
    for row in rows:
        after_join = len(groups) > 1 and not groups[-1] and groups[-2][-1].name in row.inputs
        if after_join and row.kind == "activation" and len(row.inputs) == 1:
            groups[-2].append(row)  # add → ReLU: the ReLU closes the block it follows
            continue
        groups[-1].append(row)
        if len(row.inputs) >= 2:
            groups.append([])
    return [(None, group) for group in groups if group]


def group_stages(rows: list[SummaryRow], depth: int = 1, prefix: str = "") -> list[tuple[str, list[SummaryRow]]]:
    """Split ``rows`` into consecutive stages, each named; at most :data:`MAX_STAGES` of them.

    By the first ``depth`` parts of the names where at least two layers share them and
    that gives a manageable number of groups, else by joins; too many groups are merged
    in consecutive runs. A stage without a name from the layers is called
    "``prefix``stage N".
    """
    if not rows:
        return []
    runs = _runs(rows, [name_prefix(row.name, depth) for row in rows])
    if len(runs) > MAX_STAGES or all(len(members) == 1 for _, members in runs):
        runs = _by_joins(rows)
    if len(runs) > MAX_STAGES:
        size = math.ceil(len(runs) / MAX_STAGES)
        runs = [(None, [row for _, members in runs[i : i + size] for row in members])
                for i in range(0, len(runs), size)]
    taken = {row.name for row in rows}
    named: list[tuple[str, list[SummaryRow]]] = []
    for number, (key, members) in enumerate(runs, start=1):
        name = key if key is not None else f"{prefix}stage {number}"
        if name in taken or any(name == other for other, _ in named):
            name = f"{name} (stage {number})"
        named.append((name, members))
    return named


def _fold(rows: list[SummaryRow], expanded: set[str], depth: int, prefix: str) -> list[tuple[str, list]]:
    """(name, members) per box to draw: a closed stage's name with its layers, or a layer's own name with itself.

    An open stage of more than :data:`OPEN_AT_ONCE` layers is split again one level down its names.
    """
    boxes: list[tuple[str, list]] = []
    for name, members in group_stages(rows, depth, prefix):
        if len(members) == 1:
            boxes.append((members[0].name, members))
        elif name not in expanded:
            boxes.append((name, members))
        elif len(members) > OPEN_AT_ONCE and depth < MAX_DEPTH:
            inner = _fold(members, expanded, depth + 1, f"{name} · ")
            if len(inner) > 1:
                boxes.extend(inner)
            else:
                boxes.extend((row.name, [row]) for row in members)
        else:
            boxes.extend((row.name, [row]) for row in members)
    return boxes


def stage_rows(rows: list[SummaryRow], expanded=()) -> tuple[list[SummaryRow], dict[str, list[str]]]:
    """The rows to draw: each closed stage as one row, the layers of open stages as they are.

    Graphs of :data:`COLLAPSE_ABOVE` layers or fewer are returned unchanged. An open stage
    of many layers shows the stages one level down its names (``layer1`` → ``layer1/layer1.0`` …).

    Returns
    -------
    rows : list of SummaryRow
        A closed stage is a row of kind :data:`STAGE_KIND` named after the stage, whose
        output is its last layer's, whose parameters are its layers', and whose inputs
        are what its layers read from outside it.
    stages : dict
        Each closed stage's name and the names of the layers in it.
    """
    if len(rows) <= COLLAPSE_ABOVE:
        return list(rows), {}
    boxes = _fold(list(rows), set(expanded), 1, "")
    shown_as = {row.name: name for name, members in boxes for row in members}  # layer → the box it is drawn in
    out: list[SummaryRow] = []
    stages: dict[str, list[str]] = {}
    for name, members in boxes:
        inside = {r.name for r in members}
        inputs = _dedupe(shown_as.get(i, i) for r in members for i in r.inputs if i not in inside)
        if len(members) == 1 and members[0].name == name:
            r = members[0]
            out.append(SummaryRow(r.name, r.type, r.kind, r.output_shape, r.params, r.trainable, inputs))
            continue
        stages[name] = [r.name for r in members]
        out.append(SummaryRow(name, f"Stage: {len(members)} layers", STAGE_KIND, members[-1].output_shape,
                              sum(r.params for r in members), sum(r.trainable for r in members), inputs))
    return out, stages


def _dedupe(names) -> list[str]:
    seen: list[str] = []
    for name in names:
        if name not in seen:
            seen.append(name)
    return seen
