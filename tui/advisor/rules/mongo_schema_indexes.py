"""MongoDB index hygiene over SchemaFacts (listIndexes + ``$indexStats`` on every host + ``$collStats``).

- ``mongo.unused-index``: ``accesses.ops`` is 0 on every host ``$indexStats`` reported (usage is per
  mongod and since its restart: an index idle on the primary may serve a secondary's reads), over a
  window of ≥ 7 days since the index's ``accesses.since``. Never: ``_id_``, unique indexes (they enforce
  uniqueness), TTL indexes (their deletes are not counted as accesses), indexes being built. Warning
  from 8 MB, info below. ``mongo.unused-index-window`` (info) lists zero-use indexes whose window is
  too short to judge.
- ``mongo.redundant-index``: an index whose key pattern is a prefix of another index's (same fields,
  same order, same directions, or all reversed), neither partial nor sparse nor with a collation or TTL,
  not unique — the longer index serves every query the shorter one does (the Performance Advisor drops
  ``{a: 1}`` when it suggests ``{a: 1, b: 1}``). Info; warning from 8 MB.

Drops are two steps, as MongoDB recommends: ``hideIndex`` first (the planner stops using it, writes
still maintain it, ``unhideIndex`` restores it instantly), then ``dropIndex``; the rollback unhides and
recreates the index exactly as defined now.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tui.advisor.context import SchemaContext
from tui.advisor.registry import Rule
from tui.advisor.rules.common import schema_finding
from tui.advisor.rules.mongo_common import (
    drop_index,
    hide_index,
    index_keys,
    recreate_index,
    serves,
    unhide_index,
)
from tui.core import fmt
from tui.core.catalog import Index, ObjectDetail
from tui.core.finding import Finding

UNUSED_ID = "mongo.unused-index"
WINDOW_ID = "mongo.unused-index-window"
REDUNDANT_ID = "mongo.redundant-index"
MIN_WINDOW_DAYS = 7.0
WARNING_BYTES = 8 * 1024 * 1024


def _collections(ctx: SchemaContext) -> list[ObjectDetail]:
    return [d for d in ctx.facts.tables if d.node.kind == "collection"]


def _name(detail: ObjectDetail) -> str:
    return detail.node.table or detail.node.name


def _qualified(ctx: SchemaContext, detail: ObjectDetail) -> str:
    return f"{ctx.facts.database}.{_name(detail)}" if ctx.facts.database else _name(detail)


def _now(ctx: SchemaContext) -> datetime:
    stamp = ctx.facts.server.get("collected_at")
    if isinstance(stamp, datetime):
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    if isinstance(stamp, str):
        try:
            return datetime.fromisoformat(stamp)
        except ValueError:
            pass
    return datetime.now(UTC)


def _protected(index: Index) -> bool:
    return (
        index.primary
        or index.name == "_id_"
        or index.unique
        or "expireAfterSeconds" in index.options
        or bool(index.options.get("building"))
    )


def _drop_pair(collection: str, index: Index) -> tuple[list[str], list[str]]:
    ddl = [hide_index(collection, index.name), drop_index(collection, index.name)]
    rollback = [unhide_index(collection, index.name), recreate_index(collection, index)]
    if not index.visible:  # already hidden: only the drop remains
        ddl, rollback = ddl[1:], rollback[1:]
    return ddl, rollback


def check_unused(ctx: SchemaContext) -> list[Finding]:
    now = _now(ctx)
    judged: list[Finding] = []
    young: list[str] = []
    unread: dict[str, list[str]] = {}  # member whose $indexStats could not be read → its indexes
    scope = str(ctx.facts.server.get("index_usage_scope") or "")
    for detail in _collections(ctx):
        collection = _name(detail)
        for index in detail.indexes:
            if index.scans != 0 or _protected(index):
                continue
            usage: list[dict[str, Any]] = index.options.get("usage") or []
            missing = index.options.get("usage_missing_hosts") or {}
            if missing:
                for member in missing:
                    unread.setdefault(member, []).append(f"{_qualified(ctx, detail)}.{index.name}")
                continue
            since = index.options.get("stats_since")
            age = (now - since).total_seconds() / 86_400 if isinstance(since, datetime) else None
            if age is None or age < MIN_WINDOW_DAYS:
                young.append(
                    f"{_qualified(ctx, detail)}.{index.name}"
                    + (f" ({fmt.num(age, 1)} days)" if age is not None else "")
                )
                continue
            hosts = sorted({str(u.get("host")) for u in usage if u.get("host")})
            ddl, rollback = _drop_pair(collection, index)
            judged.append(
                schema_finding(
                    UNUSED_ID,
                    "warning" if (index.size_bytes or 0) >= WARNING_BYTES else "info",
                    obj=_qualified(ctx, detail),
                    title="Unused index",
                    message=(
                        f"The index {index.name} on {_qualified(ctx, detail)} {fmt_keys(index)} has 0 accesses on "
                        f"{fmt.num(len(hosts))} host{'s' if len(hosts) != 1 else ''} ({', '.join(hosts)}) in "
                        f"{fmt.num(age, 1)} days (since {since.isoformat() if isinstance(since, datetime) else since})"
                        + (f"; it takes {fmt.size(index.size_bytes)}." if index.size_bytes else ".")
                        + (
                            " Through mongos $indexStats reads one member per shard: the secondaries' reads "
                            "are not in these counts."
                            if scope.startswith("one member per shard")
                            else ""
                        )
                    ),
                    reasoning=(
                        "Every insert, and every update that touches its fields, writes this index too, and its pages "
                        "compete for the WiredTiger cache. $indexStats counts per mongod since its restart, so the "
                        "counts of every host are summed here; a host that was not reached is not counted."
                    ),
                    recommendation=(
                        f"Hide {index.name} first and watch the slow-query log; drop it when nothing regressed. "
                        "The rollback unhides it, or recreates it exactly as defined now."
                    ),
                    evidence={
                        "accesses": 0,
                        "hosts": len(hosts),
                        "size_bytes": index.size_bytes,
                        "stats_age_days": round(age, 1),
                    },
                    ddl=ddl,
                    rollback=rollback,
                    impact=float(index.size_bytes or 0),
                )
            )
    if unread:
        names = sorted({name for items in unread.values() for name in items})
        judged.append(
            schema_finding(
                WINDOW_ID,
                "info",
                obj=ctx.facts.database or None,
                title="Unused indexes not judged: a replica set member was not read",
                message=(
                    f"{fmt.num(len(names))} indexes have no recorded access on the members that answered, but "
                    f"$indexStats of {', '.join(sorted(unread))} could not be read: "
                    + ", ".join(names[:10])
                    + (" …" if len(names) > 10 else "")
                    + "."
                ),
                reasoning=(
                    "Usage is counted per mongod: an index idle on the primary may serve every read the "
                    "application sends to a secondary (readPreference secondary or nearest)."
                ),
                recommendation=(
                    "Make every data-bearing member reachable from this host with the same credentials, or run "
                    "db.collection.aggregate([{$indexStats: {}}]) on the missing member, before dropping any of them."
                ),
                evidence={"indexes": len(names), "members_unread": len(unread)},
            )
        )
    if young:
        judged.append(
            schema_finding(
                WINDOW_ID,
                "info",
                obj=ctx.facts.database or None,
                title="Unused indexes not judged: statistics window too short",
                message=(
                    f"{fmt.num(len(young))} indexes have no recorded access, but their $indexStats window is shorter "
                    f"than {fmt.num(MIN_WINDOW_DAYS)} days (or unknown): "
                    + ", ".join(young[:10])
                    + (" …" if len(young) > 10 else "")
                    + "."
                ),
                reasoning=(
                    "$indexStats restarts at every mongod restart and when an index is hidden or modified; weekly "
                    "jobs use indexes a short window never sees."
                ),
                recommendation="Run the advisor again once every host has been up for a full business cycle.",
                evidence={"indexes": len(young), "min_window_days": MIN_WINDOW_DAYS},
            )
        )
    return judged


def fmt_keys(index: Index) -> str:
    from tui.core.mongoshell import to_shell

    try:
        return to_shell(index_keys(index))
    except TypeError:
        return "(" + ", ".join(index.columns) + ")"


def _plain(index: Index) -> bool:
    options = index.options
    return (
        index.method == "btree"
        and not index.predicate
        and not options.get("sparse")
        and "collation" not in options
        and "expireAfterSeconds" not in options
        and not options.get("building")
    )


def check_redundant(ctx: SchemaContext) -> list[Finding]:
    out: list[Finding] = []
    for detail in _collections(ctx):
        collection = _name(detail)
        for short in detail.indexes:
            if _protected(short) or not _plain(short):
                continue
            short_keys = index_keys(short)
            wider = next(
                (
                    other
                    for other in detail.indexes
                    if other is not short
                    and _plain(other)
                    and other.visible
                    and len(index_keys(other)) > len(short_keys)
                    and serves(index_keys(other), short_keys)
                ),
                None,
            )
            if wider is None:
                continue
            ddl, rollback = _drop_pair(collection, short)
            out.append(
                schema_finding(
                    REDUNDANT_ID,
                    "warning" if (short.size_bytes or 0) >= WARNING_BYTES else "info",
                    obj=_qualified(ctx, detail),
                    title="Redundant index (prefix of another)",
                    message=(
                        f"The index {short.name} {fmt_keys(short)} on {_qualified(ctx, detail)} is a prefix of "
                        f"{wider.name} {fmt_keys(wider)}"
                        + (f"; it takes {fmt.size(short.size_bytes)}" if short.size_bytes else "")
                        + (
                            f" and served {fmt.num(short.scans)} operations"
                            if short.scans is not None
                            else ""
                        )
                        + "."
                    ),
                    reasoning=(
                        "An index serves every query on a prefix of its keys, so the longer index answers what the "
                        "shorter one does; the shorter one costs writes, disk and cache for nothing."
                    ),
                    recommendation=(
                        f"Hide {short.name}, confirm the queries now use {wider.name}, then drop it; the rollback "
                        "unhides or recreates it."
                    ),
                    evidence={
                        "size_bytes": short.size_bytes,
                        "accesses": short.scans,
                        "wider_size_bytes": wider.size_bytes,
                    },
                    ddl=ddl,
                    rollback=rollback,
                    impact=float(short.size_bytes or 0),
                )
            )
    return out


RULES = (
    Rule(
        id=UNUSED_ID,
        category="schema",
        engines=("mongodb",),
        check=check_unused,
        summary="index with 0 $indexStats accesses on every host over ≥ 7 days",
        ids=(UNUSED_ID, WINDOW_ID),
    ),
    Rule(
        id=REDUNDANT_ID,
        category="schema",
        engines=("mongodb",),
        check=check_redundant,
        summary="index whose key pattern is a prefix of another index",
    ),
)
