"""What the generator needs to know about each sample: its tables in load order, their keys, which
foreign key owns a row (its fan-out is kept), which columns are shifted or jittered in the copies,
and which replica group (and so which multiplier) each table belongs to."""

from __future__ import annotations

import csv
import gzip
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLES = ("chinook", "northwind")
ENGINES = ("postgresql", "mariadb")


@dataclass(frozen=True)
class TableSpec:
    name: str
    group: str
    pk: str | None = None  # the single-column key that copies renumber (None: no own key)
    owner: tuple[str, str] | None = None  # (fk column, parent table) in the same group: fan-out kept
    refs: dict[str, str] = field(default_factory=dict)  # other fk column -> referenced table
    unique_text: tuple[str, ...] = ()  # text a copy must not repeat (logins, e-mail addresses)
    date_shift: tuple[str, ...] = ()  # dates moved together by one random offset per copied row
    jitter: tuple[str, ...] = ()  # integer measures varied by ±5 % per copied row


@dataclass(frozen=True)
class Sample:
    name: str
    tables: tuple[TableSpec, ...]
    groups: dict[str, int]  # replica group -> divisor of the scale (0: never copied)

    def replicas(self, group: str, scale: int) -> int:
        divisor = self.groups[group]
        return 1 if divisor == 0 else max(1, scale // divisor)

    def table(self, name: str) -> TableSpec:
        return next(t for t in self.tables if t.name == name)

    def data_path(self, table: str) -> Path:
        return HERE / self.name / "data" / f"{table}.csv.gz"

    def ddl(self, engine: str) -> tuple[list[str], list[str]]:
        """The engine's schema as (statements before the data, statements after it)."""
        text = (HERE / self.name / f"{engine}.sql").read_text()
        before, _, after = text.partition("-- advq: after data")
        return _statements(before), _statements(after)


def _statements(text: str) -> list[str]:
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    return [s.strip() for s in re.split(r";\s*\n", body + "\n") if s.strip()]


def read_rows(path: Path) -> tuple[list[str], list[list[str | None]]]:
    """Header and rows of a vendored CSV file; an empty field is NULL."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, [[value if value != "" else None for value in row] for row in reader]


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


@cache
def engine_names(sample: str, engine: str) -> dict[str, str]:
    """Neutral (snake_case, as in the data files) table and ``table.column`` names -> the engine's
    spelling. Chinook's MySQL script spells everything in PascalCase; the rest is identical."""
    if engine == "postgresql" or sample != "chinook":
        return {}
    text = (HERE / sample / f"{engine}.sql").read_text()
    names: dict[str, str] = {}
    for table, body in re.findall(r"CREATE TABLE `(\w+)`\s*\((.*?)\n\);", text, re.S):
        names[snake(table)] = table
        for column in re.findall(r"^\s*`(\w+)`", body, re.M):
            names[f"{snake(table)}.{snake(column)}"] = column
    return names


CHINOOK = Sample(
    "chinook",
    (
        TableSpec("genre", "fixed", "genre_id"),
        TableSpec("media_type", "fixed", "media_type_id"),
        TableSpec("employee", "fixed", "employee_id", refs={"reports_to": "employee"}),
        TableSpec("artist", "catalog", "artist_id"),
        TableSpec("album", "catalog", "album_id", owner=("artist_id", "artist")),
        TableSpec(
            "track",
            "catalog",
            "track_id",
            owner=("album_id", "album"),
            refs={"media_type_id": "media_type", "genre_id": "genre"},
            jitter=("milliseconds", "bytes"),
        ),
        TableSpec("playlist", "playlists", "playlist_id"),
        TableSpec(
            "playlist_track", "playlists", None, owner=("playlist_id", "playlist"), refs={"track_id": "track"}
        ),
        TableSpec(
            "customer", "sales", "customer_id", refs={"support_rep_id": "employee"}, unique_text=("email",)
        ),
        TableSpec(
            "invoice", "sales", "invoice_id", owner=("customer_id", "customer"), date_shift=("invoice_date",)
        ),
        TableSpec(
            "invoice_line",
            "sales",
            "invoice_line_id",
            owner=("invoice_id", "invoice"),
            refs={"track_id": "track"},
        ),
    ),
    {"fixed": 0, "catalog": 15, "playlists": 8, "sales": 1},
)

NORTHWIND = Sample(
    "northwind",
    (
        TableSpec("categories", "fixed", "category_id"),
        TableSpec("region", "fixed", "region_id"),
        TableSpec("territories", "fixed", "territory_id", refs={"region_id": "region"}),
        TableSpec("employees", "fixed", "employee_id", refs={"reports_to": "employees"}),
        TableSpec("employee_territories", "fixed", None, refs={"employee_id": "employees"}),
        TableSpec("shippers", "fixed", "shipper_id"),
        TableSpec("us_states", "fixed", "state_id"),
        TableSpec("suppliers", "catalog", "supplier_id"),
        TableSpec(
            "products",
            "catalog",
            "product_id",
            owner=("supplier_id", "suppliers"),
            refs={"category_id": "categories"},
        ),
        TableSpec("customers", "sales", "customer_id"),
        TableSpec(
            "orders",
            "sales",
            "order_id",
            owner=("customer_id", "customers"),
            refs={"employee_id": "employees", "ship_via": "shippers"},
            date_shift=("order_date", "required_date", "shipped_date"),
        ),
        TableSpec(
            "order_details", "sales", None, owner=("order_id", "orders"), refs={"product_id": "products"}
        ),
    ),
    {"fixed": 0, "catalog": 22, "sales": 1},
)

BY_NAME = {s.name: s for s in (CHINOOK, NORTHWIND)}
