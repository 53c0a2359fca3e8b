"""Seeded scaling of a sample database that keeps its distributions.

A copy ``r`` of a replica group (``samples.Sample.groups``) repeats every row of the group's tables
with renumbered keys (copy 0 is the sample itself, keys and all). Because a child row is copied
with its owning parent's copy, the joint distribution of the sample is kept exactly:
per-column value frequencies, NULL rates and FK fan-out (lines per invoice, orders per customer)
are the sample's. What varies between copies is what would vary in a bigger real shop:

- foreign keys into another group (an invoice line's track, an order line's product) point to a
  random copy of the referenced row, so sales spread over the whole catalogue;
- dates move by up to ±15 days per row (all of a row's dates by the same offset, so shipping delays
  stay what they were), clamped to the sample's date range, and timestamps get a time of day;
- integer measures (a track's length and size) vary by ±5 %;
- text that must stay unique (e-mail addresses) gets the copy number as a prefix.

At scale 450 Chinook's invoice_line and Northwind's order_details pass 1M rows.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tests.corpus.samples import Sample, TableSpec, read_rows

SHIFT_DAYS = 15


@dataclass
class TableData:
    name: str
    header: list[str]
    rows: Iterator[list[str | None]]
    count: int


@dataclass(frozen=True)
class _KeySpace:
    """How a table's key is renumbered in copy ``r``."""

    numeric: bool
    stride: int

    def key(self, value: str | None, copy: int) -> str | None:
        if value is None or copy == 0:
            return value
        if self.numeric:
            return str(int(value) + copy * self.stride)
        return f"{value}{copy}"  # sample keys are fixed-width letters, so the suffix cannot collide


def _key_spaces(sample: Sample) -> dict[str, _KeySpace]:
    spaces: dict[str, _KeySpace] = {}
    for spec in sample.tables:
        if spec.pk is None:
            continue
        header, rows = read_rows(sample.data_path(spec.name))
        values = [row[header.index(spec.pk)] for row in rows]
        numeric = all(v is not None and v.lstrip("-").isdigit() for v in values)
        stride = max(int(v) for v in values if v is not None) + 1 if numeric else 0
        spaces[spec.name] = _KeySpace(numeric, stride)
    return spaces


def _date_ranges(
    header: list[str], rows: list[list[str | None]], columns: tuple[str, ...]
) -> dict[str, tuple[str, str]]:
    ranges: dict[str, tuple[str, str]] = {}
    for column in columns:
        i = header.index(column)
        values = [value for row in rows if (value := row[i]) is not None]
        ranges[column] = (min(values), max(values))
    return ranges


def _shift(value: str, days: int, rng: random.Random) -> str:
    if len(value) == 10:
        return (date.fromisoformat(value) + timedelta(days=days)).isoformat()
    moved = datetime.fromisoformat(value) + timedelta(days=days, seconds=rng.randrange(8 * 3600, 20 * 3600))
    return moved.strftime("%Y-%m-%d %H:%M:%S")


def row_count(sample: Sample, spec: TableSpec, scale: int) -> int:
    _, rows = read_rows(sample.data_path(spec.name))
    return len(rows) * sample.replicas(spec.group, scale)


def generate(sample: Sample, scale: int = 1, seed: int = 17) -> Iterator[TableData]:
    """Every table of ``sample`` at ``scale``, in load order (parents first)."""
    spaces = _key_spaces(sample)
    for spec in sample.tables:
        header, rows = read_rows(sample.data_path(spec.name))
        copies = sample.replicas(spec.group, scale)
        yield TableData(
            spec.name,
            header,
            _copies(sample, spec, header, rows, copies, spaces, scale, random.Random(f"{seed}:{spec.name}")),
            len(rows) * copies,
        )


def _copies(
    sample: Sample,
    spec: TableSpec,
    header: list[str],
    rows: list[list[str | None]],
    copies: int,
    spaces: dict[str, _KeySpace],
    scale: int,
    rng: random.Random,
) -> Iterator[list[str | None]]:
    index = {column: i for i, column in enumerate(header)}
    same_copy: list[tuple[int, _KeySpace]] = []  # key columns renumbered with this row's copy
    elsewhere: list[tuple[int, _KeySpace, int]] = []  # fk into another group: a random copy of it
    if spec.pk is not None:
        same_copy.append((index[spec.pk], spaces[spec.name]))
    if spec.owner is not None:
        same_copy.append((index[spec.owner[0]], spaces[spec.owner[1]]))
    for column, target in spec.refs.items():
        target_group = sample.table(target).group
        if target_group == spec.group:
            same_copy.append((index[column], spaces[target]))
        else:
            elsewhere.append((index[column], spaces[target], sample.replicas(target_group, scale)))
    ranges = _date_ranges(header, rows, spec.date_shift)
    lead = spec.date_shift[0] if spec.date_shift else None
    for copy in range(copies):
        for original in rows:
            row = list(original)
            for i, space in same_copy:
                row[i] = space.key(row[i], copy)
            for i, space, replicas in elsewhere:
                row[i] = space.key(row[i], rng.randrange(replicas)) if replicas > 1 else row[i]
            if copy == 0:
                yield row
                continue
            for column in spec.unique_text:
                value = row[index[column]]
                row[index[column]] = None if value is None else f"{copy}.{value}"
            for column in spec.jitter:
                value = row[index[column]]
                if value is not None:
                    row[index[column]] = str(round(int(value) * rng.uniform(0.95, 1.05)))
            if lead is not None and row[index[lead]] is not None:
                days = rng.randint(-SHIFT_DAYS, SHIFT_DAYS)
                low, high = ranges[lead]
                moved = _shift(row[index[lead]] or "", days, rng)[:10]
                if not low[:10] <= moved <= high[:10]:
                    days = -days
                for column in spec.date_shift:
                    value = row[index[column]]
                    if value is not None:
                        row[index[column]] = _shift(value, days, rng)
            yield row
