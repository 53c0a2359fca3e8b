"""dbscope's MySQL/MariaDB catalog checked against an independent reader: SQLAlchemy 2's Inspector
(``get_multi_*`` through the mysql+pymysql dialect, which parses SHOW CREATE TABLE table by table) on
databases the test creates and drops.

dbscope reads information_schema in bulk (mysql_catalog.py says why); SQLAlchemy is the oracle. Every
fact both carry is compared for every table and view, on both of dbscope's paths (the database-wide
load ``dbscope advise`` uses and the per-table detail the UI opens): columns (type, nullability,
default, AUTO_INCREMENT, ON UPDATE, generated expression, collation, comment), indexes (columns in
order, prefix lengths, uniqueness, FULLTEXT), primary key, foreign keys both ways with their actions
(one to another database), unique and check constraints, the table comment. Where the two
legitimately differ — mostly what SQLAlchemy's parser does not read — the comparison normalises
explicitly and says why; anything else that differs is a bug in dbscope's catalog.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import ObjectKind
from sqlalchemy.util import strip_outer_parens

from tests.live import LiveServer
from tui.adapters.mysql import MySQLAdapter
from tui.core.catalog import CatalogNode, ObjectDetail
from tui.core.connspec import parse_url

pytestmark = [
    pytest.mark.live_mysql,
    # The IGNORED index, which SQLAlchemy's parser does not know; the comparison accounts for it.
    pytest.mark.filterwarnings("ignore:Unknown schema content:sqlalchemy.exc.SAWarning"),
]

EXTERNAL = "CREATE TABLE `ext ref` (`Id` INT PRIMARY KEY) ENGINE=InnoDB;"

SCHEMA = r"""
CREATE TABLE `Parent Table` (
  `Id` bigint NOT NULL AUTO_INCREMENT,
  `Tenant` int NOT NULL,
  `order` varchar(40) NOT NULL DEFAULT 'new',
  `naïve ünïcode` varchar(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL,
  `latin` varchar(10) CHARACTER SET latin1 COLLATE latin1_swedish_ci,
  price decimal(10,2) DEFAULT 0.00 CHECK (price >= 0),
  created timestamp(3) NOT NULL DEFAULT current_timestamp(3) ON UPDATE current_timestamp(3),
  doc json,
  flags set('a','b'),
  kind enum('x','y''s') DEFAULT 'x',
  total decimal(12,2) AS (price * 2) PERSISTENT,
  v int AS (`Tenant` + 1) VIRTUAL,
  u int unsigned zerofill,
  b bit(3) DEFAULT b'101',
  note text COMMENT 'a ''quoted'' comment',
  `back``tick` char(2) DEFAULT 'a''',
  d double,
  PRIMARY KEY (`Tenant`, `Id`),
  UNIQUE KEY `Order Name Key` (`Tenant`, `order`),
  KEY `Prefix idx` (`naïve ünïcode`(10), created DESC),
  KEY idx_id (`Id`),
  KEY `ignored idx` (`order`) IGNORED,
  UNIQUE KEY `uq tick` (`back``tick`, `Tenant`),
  FULLTEXT KEY ft (note),
  CONSTRAINT `check` CHECK (`order` <> '' AND char_length(`order`) < 100)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci COMMENT 'parent ''table''';
CREATE TABLE `select` (
  id int PRIMARY KEY AUTO_INCREMENT,
  `Tenant` int,
  `Parent Id` bigint,
  `from` text,
  CONSTRAINT `fk→parent` FOREIGN KEY (`Tenant`, `Parent Id`) REFERENCES `Parent Table` (`Tenant`, `Id`)
    ON DELETE SET NULL ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE `grant` (
  id int PRIMARY KEY,
  user_id int,
  self_id int,
  ext_id int,
  CONSTRAINT g_user FOREIGN KEY (user_id) REFERENCES `select` (id) ON DELETE CASCADE,
  CONSTRAINT g_self FOREIGN KEY (self_id) REFERENCES `grant` (id) ON DELETE RESTRICT ON UPDATE NO ACTION,
  CONSTRAINT `g ext` FOREIGN KEY (ext_id) REFERENCES `{external}`.`ext ref` (`Id`) ON DELETE SET NULL,
  CONSTRAINT `Unique Pair` UNIQUE (user_id, self_id),
  CONSTRAINT `two` CHECK (user_id <> self_id)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;
CREATE TABLE `nopk` (a int, b int, KEY ix_a (a)) ENGINE=InnoDB;
CREATE VIEW `v w` AS SELECT `Id`, `order`, `naïve ünïcode` FROM `Parent Table`;
"""

Rel = str


@pytest.fixture(scope="module")
def oracle_db(mysql_server: LiveServer) -> Iterator[str]:
    stamp = str(int(time.time() * 1000) % 10**8)
    external = mysql_server.scratch_database("dbscope_oracle_ext_" + stamp)
    main = mysql_server.scratch_database("dbscope_oracle_" + stamp)
    external_url, url = next(external), next(main)
    ext_db, db = _db(external_url), _db(url)
    mysql_server.execute(EXTERNAL, ext_db)
    mysql_server.execute(SCHEMA.replace("{external}", ext_db), db)
    yield url
    main.close()
    external.close()


@pytest.fixture(scope="module")
def adapter(oracle_db: str) -> Iterator[MySQLAdapter]:
    a = MySQLAdapter(parse_url(oracle_db))
    a.connect()
    yield a
    a.close()


def _db(url: str) -> str:
    return url.rsplit("/", 1)[1].split("?", 1)[0]


def _sa_name(name: str) -> str:
    """SQLAlchemy's SHOW CREATE TABLE parser keeps a doubled backtick doubled (`back``tick` reflects
    as 'back``tick'); the name is 'back`tick'."""
    return name.replace("``", "`")


# -- the oracle: SQLAlchemy's reflection, normalised -----------------------------------------------


def reflect(server: LiveServer, database: str) -> dict[Rel, dict[str, Any]]:
    kwargs = server.mysql_kwargs()
    engine = create_engine(
        "mysql+pymysql://",
        connect_args={**kwargs, "database": database, "charset": "utf8mb4"},
    )
    try:
        with engine.connect() as conn:
            insp = inspect(conn)
            kw: dict[str, Any] = {"schema": database, "kind": ObjectKind.ANY}
            raw = {
                "columns": dict(insp.get_multi_columns(**kw)),
                "indexes": dict(insp.get_multi_indexes(**kw)),
                "pk": dict(insp.get_multi_pk_constraint(**kw)),
                "fks": dict(insp.get_multi_foreign_keys(**kw)),
                "uniques": dict(insp.get_multi_unique_constraints(**kw)),
                "checks": dict(insp.get_multi_check_constraints(**kw)),
                "comment": dict(insp.get_multi_table_comment(**kw)),
            }
            views = set(insp.get_view_names(schema=database))
            dialect = conn.dialect
            spellings = {
                str(c["type"].compile(dialect=dialect)) for cols in raw["columns"].values() for c in cols
            }
    finally:
        engine.dispose()
    types = canonical_types(server, spellings)
    out: dict[Rel, dict[str, Any]] = {}
    for (_, table), columns in raw["columns"].items():
        key = (database, table)
        out[table] = {
            "view": table in views,
            "columns": [_sa_column(c, types[str(c["type"].compile(dialect=dialect))]) for c in columns],
            "indexes": sorted(_sa_index(i) for i in raw["indexes"][key]),
            "pk": tuple(_sa_name(c) for c in raw["pk"][key]["constrained_columns"]),
            "fks": sorted(_sa_fk(fk) for fk in raw["fks"][key]),
            "uniques": sorted(
                (_sa_name(u["name"]), tuple(_sa_name(c) for c in u["column_names"]))
                for u in raw["uniques"][key]
            ),
            "checks": sorted((c["name"], strip_outer_parens(c["sqltext"])) for c in raw["checks"][key]),
            "comment": raw["comment"][key]["text"],
            "referenced_by": [],
        }
    # Incoming keys: SQLAlchemy reflects only outgoing ones, so invert them all (this database's).
    for table, entry in out.items():
        for name, columns, (ref_db, ref_table), ref_columns, *_ in entry["fks"]:
            if ref_db == database and ref_table in out:
                out[ref_table]["referenced_by"].append((name, table, columns, ref_columns))
    for entry in out.values():
        entry["referenced_by"].sort()
    return out


def canonical_types(server: LiveServer, spellings: set[str]) -> dict[str, str]:
    """Each SQLAlchemy type as the server spells it in COLUMN_TYPE (what dbscope shows): SQLAlchemy
    renders ``INTEGER(10) UNSIGNED ZEROFILL``, ``VARCHAR(40) CHARACTER SET utf8mb4 COLLATE
    utf8mb4_bin``; the server says ``int(10) unsigned zerofill``, ``varchar(40)``. A scratch table of
    those types, read back from information_schema, gives the server's spelling of exactly the type
    SQLAlchemy reflected."""
    ordered = sorted(spellings)
    name = f"dbscope_oracle_types_{int(time.time() * 1000) % 10**8}"
    gen = server.scratch_database(name)
    next(gen)
    try:
        columns = ", ".join(f"c{i} {spelling}" for i, spelling in enumerate(ordered))
        server.execute(f"CREATE TABLE t ({columns})", name)
        rows = server.execute(
            "SELECT ORDINAL_POSITION, COLUMN_TYPE FROM information_schema.COLUMNS "
            f"WHERE TABLE_SCHEMA = '{name}' AND TABLE_NAME = 't' ORDER BY ORDINAL_POSITION",
        )
    finally:
        gen.close()
    return {ordered[position - 1]: str(column_type) for position, column_type in rows}


def _sa_column(c: dict[str, Any], data_type: str) -> dict[str, Any]:
    default, on_update = c["default"], None
    if default is not None and " ON UPDATE " in default:
        # SQLAlchemy keeps ON UPDATE in the default's text; dbscope shows it with the type (EXTRA).
        default, on_update = default.split(" ON UPDATE ", 1)
    computed = c.get("computed")
    generated = None
    if computed:
        kind = "STORED" if computed["persisted"] else "VIRTUAL"
        generated = f"{strip_outer_parens(computed['sqltext'])} ({kind} GENERATED)"
    return {
        "name": _sa_name(c["name"]),
        "data_type": data_type,
        "auto_increment": bool(c.get("autoincrement")),
        "on_update": on_update,
        "nullable": c["nullable"],
        "default": default,
        "generated": generated,
        "comment": c["comment"],
        "collation": getattr(c["type"], "collation", None),
    }


def _sa_index(i: dict[str, Any]) -> tuple[Any, ...]:
    options = i.get("dialect_options", {})
    prefix = options.get("mysql_prefix")
    return (
        _sa_name(i["name"]),
        bool(i["unique"]),
        tuple(_sa_name(c) for c in i["column_names"]),
        tuple(sorted((_sa_name(c), n) for c, n in options.get("mysql_length", {}).items())),
        prefix.lower() if prefix else "btree",
    )


def _sa_fk(fk: dict[str, Any]) -> tuple[Any, ...]:
    options = fk.get("options", {})
    return (
        _sa_name(fk["name"]),
        tuple(_sa_name(c) for c in fk["constrained_columns"]),
        (fk["referred_schema"], fk["referred_table"]),
        tuple(_sa_name(c) for c in fk["referred_columns"]),
        options.get("ondelete", NO_ACTION),
        options.get("onupdate", NO_ACTION),
    )


# SHOW CREATE TABLE leaves out RESTRICT (InnoDB's default) and SQLAlchemy drops NO ACTION, which
# InnoDB treats as RESTRICT: an action SQLAlchemy does not name is one of the two.
NO_ACTION = "RESTRICT or NO ACTION"


def _action(action: str) -> str:
    return NO_ACTION if action in ("RESTRICT", "NO ACTION") else action


# -- dbscope's catalog in the same shape -------------------------------------------------------------


def column_level_checks(server: LiveServer, database: str) -> set[tuple[str, str]]:
    """MariaDB's column-level CHECKs (and the json_valid() it adds to every JSON column): SHOW CREATE
    TABLE prints them inside the column's definition, where SQLAlchemy's parser does not look."""
    rows = server.execute(
        "SELECT TABLE_NAME, CONSTRAINT_NAME FROM information_schema.CHECK_CONSTRAINTS "
        f"WHERE CONSTRAINT_SCHEMA = '{database}' AND LEVEL = 'Column'"
    )
    return {(str(t), str(c)) for t, c in rows}


def ours(detail: ObjectDetail, column_checks: set[tuple[str, str]]) -> dict[str, Any]:
    table = detail.node.name
    checks = []
    for con in detail.constraints:
        if con.kind == "check" and (table, con.name) not in column_checks:
            match = re.fullmatch(r"CONSTRAINT `(?:[^`]|``)+` CHECK \((.*)\)", con.definition, flags=re.S)
            assert match, con.definition
            checks.append((con.name, strip_outer_parens(match.group(1))))
    return {
        "columns": detail.columns,
        # SQLAlchemy's parser skips an index marked IGNORED (it warns "Unknown schema content").
        "indexes": sorted(
            (
                i.name,
                i.unique,
                tuple(i.columns),
                tuple(sorted(i.options.get("prefix_lengths", {}).items())),
                i.method if i.method in ("fulltext", "spatial") else "btree",
            )
            for i in detail.indexes
            if not i.primary and i.visible
        ),
        "ignored": [i.name for i in detail.indexes if not i.visible],
        "pk": tuple(detail.primary_key.columns) if detail.primary_key else (),
        "pk_name": detail.primary_key.name if detail.primary_key else None,
        "fks": sorted(
            (
                fk.name,
                tuple(fk.columns),
                (fk.referred_schema, fk.referred_table),
                tuple(fk.referred_columns),
                _action(fk.on_delete),
                _action(fk.on_update),
            )
            for fk in detail.foreign_keys
        ),
        "uniques": sorted((c.name, tuple(c.columns)) for c in detail.constraints if c.kind == "unique"),
        "checks": sorted(checks),
        "comment": detail.node.meta.get("comment") or None,
        "referenced_by": sorted(
            (fk.name, fk.table, tuple(fk.columns), tuple(fk.referred_columns)) for fk in detail.referenced_by
        ),
    }


def assert_same(table: str, mine: dict[str, Any], oracle: dict[str, Any]) -> None:
    assert [c.name for c in mine["columns"]] == [c["name"] for c in oracle["columns"]], table
    for c, o in zip(mine["columns"], oracle["columns"], strict=True):
        where = f"{table}.{c.name}"
        if oracle["view"]:
            # SQLAlchemy reads a view's columns through DESCRIBE and drops NOT NULL and quoting there
            # (its _describe_to_create tests the string 'NO' for truth); only names and types count.
            assert c.data_type == o["data_type"], where
            continue
        # dbscope shows EXTRA (auto_increment, on update …) after COLUMN_TYPE; SQLAlchemy carries
        # them as the autoincrement flag and in the default's text.
        expected = [o["data_type"]]
        if o["auto_increment"]:
            expected.append("auto_increment")
        if o["on_update"]:
            expected.append(f"on update {o['on_update']}")
        assert c.data_type.lower() == " ".join(expected).lower(), where
        assert (c.identity == "auto_increment") == o["auto_increment"], where
        assert c.nullable == o["nullable"], where
        default = c.default
        if default is not None and default.startswith("b'") and o["default"] is None:
            default = None  # SQLAlchemy's column parser does not read a bit-literal DEFAULT b'101'
        assert default == o["default"], where
        assert c.generated == o["generated"], where
        assert c.comment == o["comment"], where
        assert c.collation == o["collation"], where
    if oracle["view"]:
        return
    assert mine["indexes"] == oracle["indexes"], table
    assert mine["pk"] == oracle["pk"], table
    # MySQL's primary key is always named PRIMARY; SQLAlchemy reports no name for it.
    assert mine["pk_name"] == ("PRIMARY" if oracle["pk"] else None), table
    assert mine["fks"] == oracle["fks"], table
    assert mine["uniques"] == oracle["uniques"], table
    assert mine["checks"] == oracle["checks"], table
    assert mine["comment"] == oracle["comment"], table
    assert mine["referenced_by"] == oracle["referenced_by"], table


@pytest.fixture(scope="module")
def oracle(mysql_server: LiveServer, oracle_db: str) -> dict[Rel, dict[str, Any]]:
    return reflect(mysql_server, _db(oracle_db))


@pytest.fixture(scope="module")
def column_checks(mysql_server: LiveServer, oracle_db: str) -> set[tuple[str, str]]:
    return column_level_checks(mysql_server, _db(oracle_db))


def test_oracle_sees_the_awkward_cases(
    oracle: dict[Rel, dict[str, Any]], column_checks: set[tuple[str, str]]
) -> None:
    """The fixture really has what the comparison is about (else a comparison of nothing passes)."""
    parent = oracle["Parent Table"]
    assert set(oracle) == {"Parent Table", "select", "grant", "nopk", "v w"}
    assert any(i[3] for i in parent["indexes"]) and any(i[4] == "fulltext" for i in parent["indexes"])
    assert any(c["on_update"] for c in parent["columns"]) and any(c["collation"] for c in parent["columns"])
    assert any(c["generated"] and "VIRTUAL" in c["generated"] for c in parent["columns"])
    assert any(fk[2][0] != fk[2][0].upper() and fk[2][1] == "ext ref" for fk in oracle["grant"]["fks"])
    assert {fk[4] for fk in oracle["grant"]["fks"]} == {"CASCADE", NO_ACTION, "SET NULL"}  # ON DELETE
    assert len(parent["referenced_by"]) == 1 and ("Parent Table", "price") in column_checks


def test_bulk_catalog_matches_sqlalchemy(
    adapter: MySQLAdapter, oracle: dict[Rel, dict[str, Any]], column_checks: set[tuple[str, str]]
) -> None:
    """The database-wide load of ``dbscope advise`` (schema_facts → mysql_catalog.load_details)."""
    facts = adapter.schema_facts(None)
    loaded = {t.node.name: t for t in facts.tables}
    assert set(loaded) == {t for t, entry in oracle.items() if not entry["view"]}
    for table, detail in loaded.items():
        assert_same(table, ours(detail, column_checks), oracle[table])


def test_per_table_detail_matches_sqlalchemy(
    adapter: MySQLAdapter,
    oracle: dict[Rel, dict[str, Any]],
    oracle_db: str,
    column_checks: set[tuple[str, str]],
) -> None:
    """What the detail pane opens: one table or view at a time."""
    db = _db(oracle_db)
    for table, entry in oracle.items():
        kind = "view" if entry["view"] else "table"
        node = CatalogNode(
            kind, table, f"`{table}`", database=db, schema=db, table=table, key=(kind, db, table)
        )
        detail = adapter.detail(node)
        mine = ours(detail, column_checks)
        assert_same(table, mine, entry)
        if table == "Parent Table":
            # The IGNORED index SQLAlchemy cannot see is there, marked invisible, with its columns.
            assert mine["ignored"] == ["ignored idx"]
            ignored = next(i for i in detail.indexes if i.name == "ignored idx")
            assert ignored.columns == ["order"] and ignored.definition.endswith("INVISIBLE")
