"""Helpers for the app's Pilot and snapshot tests: a fixed shop schema (quoted, mixed-case,
space-containing, reserved-word and non-ASCII names) and waiting on the app without sleeping blindly."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.pilot import Pilot

SHOP_SQL = """
CREATE SCHEMA shop;
CREATE TABLE shop.customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE,
    name text
);
COMMENT ON COLUMN shop.customers.email IS 'login e-mail';
CREATE TABLE shop.orders (
    id bigserial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES shop.customers (id) ON DELETE CASCADE,
    status text NOT NULL DEFAULT 'new',
    total numeric(10, 2) CHECK (total >= 0)
);
CREATE INDEX orders_status_idx ON shop.orders (status);
CREATE TABLE shop."Order Items" (
    order_id bigint NOT NULL REFERENCES shop.orders (id),
    "Line No" int NOT NULL,
    qty int CHECK (qty > 0),
    PRIMARY KEY (order_id, "Line No")
);
CREATE TABLE shop."MixedCase" (id int);
CREATE TABLE shop."naïve_café" (id int, "prix €" numeric);
CREATE VIEW shop.big_orders AS SELECT * FROM shop.orders WHERE total > 100;
CREATE TABLE public."select" ("from" int);
"""


async def wait_until(
    pilot: Pilot[object], predicate: Callable[[], object], what: str, timeout: float = 20.0
) -> None:
    """Let the app run (pilot.pause) until ``predicate()`` is true; fail naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await pilot.pause(0.05)


def tree_labels(app: object) -> list[str]:
    """The plain labels of the tree's top-level and expanded nodes, in display order."""
    from tui.widgets.schema_tree import SchemaTree

    tree = app.main_screen.query_one(SchemaTree)  # type: ignore[attr-defined]
    out: list[str] = []
    stack = list(reversed(tree.root.children))
    while stack:
        node = stack.pop()
        out.append(node.label.plain)
        if node.is_expanded:
            stack.extend(reversed(node.children))
    return out


# What the status bar shows of the server and the login in the committed SVG snapshots. The live
# values are the server's minor version (it moves with each point release the distribution ships), the
# OS user and how the test reached the server (the default socket, or DBSCOPE_TEST_PG_URL's): none of
# them is what a snapshot checks, so the snapshot tests show these fixed ones.
SNAPSHOT_VERSION = "15.20"


def pin_server_identity(app: object, database: str) -> None:
    """Replace the status bar's server version and ``user@target/database`` with the snapshots' own."""
    status = app.main_screen.status  # type: ignore[attr-defined]
    status.version = SNAPSHOT_VERSION
    status.where = f"root@local socket/{database}"
