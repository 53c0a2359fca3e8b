"""The mongosh commands dbscope prints (createIndex from the ESR rules and the catalog, hideIndex,
unhideIndex, dropIndex) are evaluated as JavaScript by Node against a recording ``db`` object: each
must be valid JavaScript as printed, call the method it names on the collection it names, and hand
over the key pattern in the order dbscope chose (JavaScript keeps insertion order for these keys).
mongosh itself is not installed here; Node is the same language engine (V8). Skipped without node outside CI; fails without it under CI=true."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import unavailable
from tui.adapters import mongo_convert as conv
from tui.advisor.api import advise_plan
from tui.advisor.context import SchemaContext
from tui.advisor.rules import mongo_schema_indexes
from tui.core import mongoshell as ms
from tui.core.catalog import CatalogNode, ObjectDetail
from tui.core.session import SchemaFacts
from tui.plans.mongo import parse_mongo_plan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NODE = shutil.which("node")

HARNESS = r"""
const calls = [];
const tag = (name) => (...args) => ({ $helper: name, args });
const helpers = {
  ObjectId: tag("ObjectId"), ISODate: tag("ISODate"), NumberLong: tag("NumberLong"),
  NumberInt: tag("NumberInt"), NumberDecimal: tag("NumberDecimal"), Double: tag("Double"),
  Timestamp: tag("Timestamp"), UUID: tag("UUID"), BinData: tag("BinData"),
  MinKey: { $helper: "MinKey" }, MaxKey: { $helper: "MaxKey" },
};
const collection = (name) => new Proxy({}, {
  get: (_t, method) => (...args) => { calls.push({ collection: name, method, args }); return "ok"; },
});
const db = { getCollection: collection, getSiblingDB: () => db };
const statements = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = [];
for (const text of statements) {
  calls.length = 0;
  new Function("db", ...Object.keys(helpers), text)(db, ...Object.values(helpers));
  out.push(calls.map((c) => ({ ...c, keys: c.args[0] && typeof c.args[0] === "object" ? Object.keys(c.args[0]) : null })));
}
process.stdout.write(JSON.stringify(out));
"""


def evaluate(statements: list[str]) -> list[list[dict[str, Any]]]:
    if NODE is None:
        unavailable("node is not installed (it evaluates the printed mongosh commands)")
    result = subprocess.run(
        [NODE, "-e", HARNESS], input=json.dumps(statements), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_esr_suggestions_run_as_printed() -> None:
    statements: list[tuple[str, str, dict[str, Any]]] = []  # (statement, collection, expected keys)
    for name, query in (
        ("mongo/synthetic/classic-sort-disk-rejected.json", None),
        ("plans/mongodb-collscan-docs-examined.json", None),
        ("plans/mongodb-sort-skip-limit.json", None),
    ):
        plan = parse_mongo_plan((FIXTURES / name).read_text(encoding="utf-8"))
        for finding in advise_plan(plan, query=query, verify=False):
            for statement in finding.ddl + finding.rollback:
                if ".createIndex(" in statement:
                    keys = ms.parse_value(statement.split(".createIndex(", 1)[1].rsplit("}, {", 1)[0] + "}")
                    statements.append((statement, statement.split('"')[1], keys))
                else:
                    statements.append((statement, statement.split('"')[1], {}))
    assert any(".createIndex(" in s for s, _c, _k in statements)
    results = evaluate([s for s, _c, _k in statements])
    for (statement, coll, keys), calls in zip(statements, results, strict=True):
        (call,) = calls
        assert call["collection"] == coll, statement
        if keys:
            assert call["method"] == "createIndex" and call["keys"] == list(keys), statement
            assert call["args"][0] == keys and call["args"][1]["name"] == ms.default_index_name(keys), (
                statement
            )
        else:
            assert call["method"] in ("dropIndex", "hideIndex", "unhideIndex"), statement


def test_recreate_commands_keep_every_option() -> None:
    """The statements that undo a drop recreate the index as listed: TTL, partial filter, sparse,
    collation, text weights, wildcard, hidden — on recorded listIndexes/index_information output."""
    info = json.loads((FIXTURES / "mongo" / "datadog" / "index_information.json").read_text())
    (hidden_specs,) = ms.parse_values((FIXTURES / "mongo" / "docs" / "getIndexes-hidden.mongosh").read_text())
    indexes = conv.indexes_from_listing(info, "listings") + conv.indexes_from_listing(
        hidden_specs, "listings"
    )
    statements = [conv.create_index_command("listing items", i) for i in indexes if not i.primary]
    results = evaluate(statements)
    by_name = {calls[0]["args"][1]["name"]: calls[0] for calls in results}
    assert all(calls[0]["collection"] == "listing items" for calls in results)
    assert by_name["last_scraped_1"]["args"][1]["expireAfterSeconds"] == 3600
    assert by_name["name_1_listing_url_1"]["args"][1]["partialFilterExpression"] == {"beds": {"$gt": 3}}
    assert by_name["room_type_1"]["args"][1]["sparse"] is True
    assert by_name["borough_1_ratings_1"]["args"][1]["hidden"] is True
    assert by_name["property_type_1_room_type_1_beds_1"]["keys"] == ["property_type", "room_type", "beds"]
    assert by_name["$**_1"]["keys"] == ["$**"]
    assert by_name["address.location_2dsphere"]["args"][0] == {"address.location": "2dsphere"}


def test_unused_index_drop_and_rollback_run_as_printed() -> None:
    docs = ms.parse_values((FIXTURES / "mongo" / "docs" / "indexStats-orders.mongosh").read_text())
    indexes = conv.indexes_from_listing([d["spec"] for d in docs], "orders")
    conv.merge_index_stats(indexes, docs)
    detail = ObjectDetail(
        node=CatalogNode("collection", "orders", "shop.orders", table="orders"), indexes=indexes
    )
    facts = SchemaFacts(
        "mongodb", "shop", tables=[detail], server={"collected_at": "2020-03-01T00:00:00+00:00"}
    )
    (finding,) = mongo_schema_indexes.check_unused(SchemaContext.build(facts))
    results = evaluate(finding.ddl + finding.rollback)
    assert [c[0]["method"] for c in results] == ["hideIndex", "dropIndex", "unhideIndex", "createIndex"]
    assert [c[0]["args"][0] for c in results[:3]] == ["item_1", "item_1", "item_1"]
    assert results[3][0]["keys"] == ["item"] and results[3][0]["args"][1] == {"name": "item_1"}
