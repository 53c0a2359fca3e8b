"""Pilot tests of the dbscope app on a MongoDB session: the real DbscopeApp, MongoAdapter, plan parser,
advisor and UI, against a recorded server at the PyMongo boundary (tests/tui/mongo_double.py).

No MongoDB server exists on this machine. Every answer the double gives is a recorded server output
from tests/fixtures (sources in the SOURCES.md files there), unchanged; the recordings come from several
servers, and ROUTES below says for which (database, command, collection) each is replayed:

- handshake: DataDog's ``ping``, ``server_info`` (buildInfo 4.1.13) and ``isMaster-standalone``;
  ``hello`` and ``connectionStatus`` have no recording and are refused, so the adapter falls back to
  isMaster and opens without the user name;
- ``listDatabases``: DataDog's ``list_database_names`` (the names in the command's reply shape);
- database ``example``: the manual's ``db.getCollectionInfos()`` output (its idIndex namespaces are
  ``example.*``: employees, products, capped mylogs); employees answers listIndexes with DataDog's airbnb
  ``index_information`` (TTL, partial, sparse, text, 2dsphere, hashed, wildcard…), ``$sample``/``find``
  with DataDog's bar documents, ``$collStats``/``$indexStats`` with bar's; products answers listIndexes
  with the manual's hidden-index ``getIndexes()``;
- explains, each under its own recorded namespace: Compass's ``mongodb.fanclub`` sort/skip/limit
  (IXSCAN age_1 → FETCH → in-memory SORT, executionStats) and DataDog's ``integration.products``
  COLLSCAN (721 documents examined, 0 returned).
"""

from __future__ import annotations

from typing import Any

from pymongo.errors import OperationFailure

from tests.tui.app_support import tree_labels, wait_until
from tests.tui.mongo_double import (
    RecordedMongo,
    by_name,
    ejson,
    index_information_as_listing,
    mongosh,
    sample_of,
)
from tui.adapters.mongo import READ_COMMANDS, MongoAdapter
from tui.app import DbscopeApp
from tui.core.connspec import parse_url
from tui.widgets.detail_pane import DetailPane, KeyTable
from tui.widgets.schema_tree import SchemaTree

BAR_DOCUMENTS = ejson("mongo/datadog/$sample-bar.json")
FANCLUB_QUERY = (
    "db.fanclub.find({age: {$gte: 33, $lte: 40}}, {age: 1, _id: 0}).sort({email: -1}).skip(20).limit(9)"
)
COLLSCAN_QUERY = 'db.getSiblingDB("integration").products.find({data: {$gt: 0.6283678507530881}, message: {$regex: "log"}})'
WRITE_COMMANDS = {
    "insert",
    "update",
    "delete",
    "findAndModify",
    "drop",
    "create",
    "createIndexes",
    "dropIndexes",
}


def unfiltered_find(documents: list[dict[str, Any]]) -> Any:
    """``find`` with an empty filter returns the recorded documents; any other filter has no recording."""

    def answer(command: dict[str, Any]) -> list[dict[str, Any]]:
        if command.get("filter") or command.get("sort") or command.get("skip"):
            raise OperationFailure("recorded server: only the unfiltered find is recorded", code=None)
        limit = int(command.get("limit") or 0)
        return documents[:limit] if limit else list(documents)

    return answer


def routes() -> dict[tuple[str, str, str, str], Any]:
    return {
        ("admin", "ping", "", ""): ejson("mongo/datadog/ping.json"),
        ("admin", "buildInfo", "", ""): ejson("mongo/datadog/server_info.json"),
        ("admin", "isMaster", "", ""): ejson("mongo/datadog/isMaster-standalone.json"),
        ("admin", "listDatabases", "", ""): {
            "databases": [{"name": name} for name in ejson("mongo/datadog/list_database_names.json")],
            "ok": 1,
        },
        ("example", "listCollections", "", ""): by_name(
            mongosh("mongo/docs/getCollectionInfos-example.mongosh")
        ),
        ("example", "listIndexes", "employees", ""): index_information_as_listing(
            ejson("mongo/datadog/index_information.json")
        ),
        ("example", "listIndexes", "products", ""): mongosh("mongo/docs/getIndexes-hidden.mongosh"),
        ("example", "aggregate", "employees", "$sample"): sample_of(BAR_DOCUMENTS),
        ("example", "aggregate", "employees", "$collStats"): ejson("mongo/datadog/$collStats-bar.json"),
        ("example", "aggregate", "employees", "$indexStats"): ejson("mongo/datadog/$indexStats-bar.json"),
        ("example", "find", "employees", ""): unfiltered_find(BAR_DOCUMENTS),
        ("mongodb", "explain find", "fanclub", "executionStats"): ejson("plans/mongodb-sort-skip-limit.json"),
        ("integration", "explain find", "products", "executionStats"): ejson(
            "plans/mongodb-collscan-docs-examined.json"
        ),
    }


def make_app(database: str) -> tuple[DbscopeApp, RecordedMongo, MongoAdapter]:
    server = RecordedMongo(routes())
    adapter = MongoAdapter(
        parse_url(f"mongodb://recorded.invalid:27017/{database}"), client_factory=server.client
    )
    return DbscopeApp(adapter=adapter, watch_terminal=False), server, adapter


async def started(pilot, app: DbscopeApp) -> SchemaTree:  # type: ignore[no-untyped-def]
    tree = app.main_screen.query_one(SchemaTree)
    await wait_until(
        pilot,
        lambda: (
            app.main_screen.status.connected
            and bool(tree.root.children)
            and tree.root.children[0].data is not None
        ),
        "the session and the databases",
    )
    return tree


async def expand(pilot, tree: SchemaTree, parent: Any, name: str) -> Any:  # type: ignore[no-untyped-def]
    node = next(n for n in parent.children if n.data is not None and n.data.name == name)
    tree.move_cursor(node)
    await pilot.press("space")
    await wait_until(
        pilot, lambda: bool(node.children) and node.children[0].data is not None, f"the children of {name}"
    )
    return node


def sent_nothing_but_reads(server: RecordedMongo) -> None:
    names = set(server.names_sent)
    assert names <= READ_COMMANDS, names - READ_COMMANDS
    assert not names & WRITE_COMMANDS


async def test_tree_lists_databases_collections_indexes_and_sampled_fields() -> None:
    app, server, adapter = make_app("example")
    async with app.run_test(size=(160, 48)) as pilot:
        tree = await started(pilot, app)
        databases = [n.data.name for n in tree.root.children if n.data is not None]
        # The URL's database first, then what listDatabases answered (sorted).
        assert databases == ["example", "admin", "config", "local", "test"]
        assert app.main_screen.status.engine == "mongodb" and app.main_screen.status.version == "4.1.13"

        example = await expand(pilot, tree, tree.root, "example")
        collections = {n.data.name: n.data.type_label for n in example.children if n.data is not None}
        assert collections == {
            "employees": "collection",
            "products": "collection",
            "mylogs": "capped 256 bytes, read-only",
        }
        assert any(label.startswith("mylogs") and "capped 256 bytes" in label for label in tree_labels(app))

        employees = await expand(pilot, tree, example, "employees")
        assert [n.data.name for n in employees.children] == ["Indexes", "Fields (sample of 200)"]
        indexes = await expand(pilot, tree, employees, "Indexes")
        flags = {n.data.name: n.data.type_label for n in indexes.children}
        assert flags["last_scraped_1"] == "TTL 3600 s"
        assert flags["name_1_listing_url_1"] == "partial"
        assert flags["room_type_1"] == "sparse"
        assert flags["address.location_2dsphere"] == "2dsphere"
        assert flags["price_hashed"] == "hashed"
        assert flags["name_text_summary_text_space_text"] == "text"
        assert len(flags) == 14

        fields = await expand(pilot, tree, employees, "Fields (sample of 200)")
        shown = {n.data.name: n.data.type_label for n in fields.children}
        # Two sampled documents: status in one (50 %), reviews an array of documents in both.
        assert shown["status"] == "string · 50%"
        assert shown["reviews"] == "array<object> · 100%"
        assert shown["reviews.date"] == "date · 100%"
        assert shown["address.zip"] == "int · 100%"
        labels = tree_labels(app)
        assert any(label.startswith("reviews.rating") for label in labels), labels

        products = await expand(pilot, tree, example, "products")
        product_indexes = await expand(pilot, tree, products, "Indexes")
        assert {n.data.name: n.data.type_label for n in product_indexes.children}[
            "borough_1_ratings_1"
        ] == "hidden"

        # Sampling asked for the configured size; the server was only ever read.
        (sample,) = [c for c in server.commands("aggregate") if "$sample" in c["pipeline"][0]][:1]
        assert sample["pipeline"] == [{"$sample": {"size": 200}}]
        sent_nothing_but_reads(server)
        assert adapter.commands_sent == set()  # no real driver: the listener saw nothing, the double all


async def test_opening_a_collection_shows_indexes_sizes_and_sampled_fields() -> None:
    app, server, _ = make_app("example")
    async with app.run_test(size=(160, 48)) as pilot:
        tree = await started(pilot, app)
        example = await expand(pilot, tree, tree.root, "example")
        node = next(n for n in example.children if n.data is not None and n.data.name == "employees")
        tree.move_cursor(node)
        tree.focus()
        await pilot.press("enter")
        pane = app.main_screen.query_one(DetailPane)
        await wait_until(
            pilot,
            lambda: pane.detail is not None and pane.detail.node.qualified_name == "example.employees",
            "the detail of example.employees",
        )
        detail = pane.detail
        assert detail is not None
        stats = {s.label: s.value for s in detail.stats}
        assert stats["Documents"] == 100 and stats["Storage size"] == 16384 and stats["Total size"] == 40960
        assert stats["Capped"] == "yes" and stats["Sampled documents"] == 2

        columns = pane.query_one("#table-columns", KeyTable)
        rows = [[str(c) for c in columns.get_row_at(i)] for i in range(columns.row_count)]
        names = [r[1] for r in rows]
        assert names[:2] == ["_id", "address"] and "reviews.comment" in names and "status" in names
        status_row = next(r for r in rows if r[1] == "status")
        assert any("string" in c for c in status_row) and any("50" in c for c in status_row), status_row

        pane.show_tab("indexes")
        await pilot.pause()
        table = pane.query_one("#table-indexes", KeyTable)
        index_rows = {
            str(table.get_row_at(i)[0]): [str(c) for c in table.get_row_at(i)] for i in range(table.row_count)
        }
        assert len(index_rows) == 14
        assert any("3600" in c for c in index_rows["last_scraped_1"]), index_rows["last_scraped_1"]
        assert any("beds" in c for c in index_rows["name_1_listing_url_1"]), index_rows[
            "name_1_listing_url_1"
        ]
        # $collStats sizes and $indexStats usage: bar's _id_ index (16 KiB, 12 accesses).
        id_index = next(i for i in detail.indexes if i.name == "_id_")
        assert id_index.size_bytes == 16384

        pane.show_tab("ddl")
        await pilot.pause()
        ddl = pane.query_one("#ddl").text  # type: ignore[attr-defined]
        assert 'db.getSiblingDB("example").createCollection("employees"' in ddl
        assert "createIndex({ last_scraped: 1 }" in ddl and "expireAfterSeconds: 3600" in ddl
        sent_nothing_but_reads(server)


async def test_explain_shows_the_plan_tree_and_esr_advice() -> None:
    from tui.widgets.advisor_panel import AdvisorPanel
    from tui.widgets.plan_view import PlanView

    app, server, _ = make_app("mongodb")
    async with app.run_test(size=(180, 50)) as pilot:
        await started(pilot, app)
        screen = app.main_screen
        await pilot.press("2")
        editor = screen.query_one("#query-editor")
        editor.load_text(FANCLUB_QUERY)  # type: ignore[attr-defined]
        editor.focus()
        await pilot.press("f6")
        view = screen.query_one(PlanView)
        await wait_until(pilot, lambda: view.plan is not None, "the plan")
        assert screen.centre.active == "plan"
        plan = view.plan
        assert plan is not None and plan.engine == "mongodb"
        operations = [n.operation for n in plan.root.walk()]
        assert operations == [
            "SKIP",
            "PROJECTION",
            "SORT",
            "KEEP_MUTATIONS",
            "SORT_KEY_GENERATOR",
            "FETCH",
            "IXSCAN",
        ]
        ixscan = next(n for n in plan.root.walk() if n.operation == "IXSCAN")
        assert (
            ixscan.index == "age_1"
            and ixscan.extra["keysExamined"] == 191665
            and ixscan.rows_actual == 191665
        )
        fetch = next(n for n in plan.root.walk() if n.operation == "FETCH")
        assert fetch.extra["docsExamined"] == 191665

        (explained,) = server.commands("explain")
        assert explained["verbosity"] == "executionStats"
        inner = explained["explain"]
        assert inner["find"] == "fanclub" and inner["filter"] == {"age": {"$gte": 33, "$lte": 40}}
        assert inner["sort"] == {"email": -1} and inner["skip"] == 20 and inner["limit"] == 9

        panel = screen.query_one(AdvisorPanel)
        await wait_until(pilot, lambda: bool(panel.findings), "the advisor's findings")
        rules = {f.rule for f in panel.findings}
        assert {"mongo.docs-examined", "mongo.in-memory-sort"} <= rules, rules
        commands = {d for f in panel.findings for d in f.ddl}
        # Equality → Sort → Range: the sort key before the range on age.
        assert (
            'db.getCollection("fanclub").createIndex({ email: -1, age: 1 }, { name: "email_-1_age_1" })'
            in commands
        )

        # A collection scan (another recording, in its own database).
        screen.centre.active = "query"
        editor.load_text(COLLSCAN_QUERY)  # type: ignore[attr-defined]
        editor.focus()
        previous = view.plan
        await pilot.press("f6")
        await wait_until(
            pilot, lambda: view.plan is not previous and view.plan is not None, "the COLLSCAN plan"
        )
        collscan = [n for n in view.plan.root.walk() if n.operation == "COLLSCAN"]
        assert (
            len(collscan) == 1 and collscan[0].extra["docsExamined"] == 721 and collscan[0].rows_actual == 0
        )
        await wait_until(
            pilot,
            lambda: any(f.rule == "mongo.collection-scan" for f in panel.findings),
            "the COLLSCAN finding",
        )
        (scan,) = [f for f in panel.findings if f.rule == "mongo.collection-scan"]
        assert scan.ddl == [
            'db.getCollection("products").createIndex({ data: 1, message: 1 }, { name: "data_1_message_1" })'
        ]
        sent_nothing_but_reads(server)


async def test_find_results_are_documents_in_the_grid() -> None:
    from tui.widgets.results_grid import ResultsGrid

    app, server, _ = make_app("example")
    async with app.run_test(size=(160, 48)) as pilot:
        await started(pilot, app)
        screen = app.main_screen
        await pilot.press("2")
        editor = screen.query_one("#query-editor")
        editor.load_text("db.employees.find({})")  # type: ignore[attr-defined]
        editor.focus()
        await pilot.press("ctrl+r")
        grid = screen.query_one(ResultsGrid)
        await wait_until(
            pilot, lambda: screen.centre.active == "results" and grid.page is not None, "the results"
        )
        page = grid.page
        assert page is not None and len(page.rows) == 2
        assert page.columns[0] == "_id" and {"name", "address", "reviews", "status"} <= set(page.columns)
        ids = [str(row[page.columns.index("_id")]) for row in page.rows]
        assert ids == ['ObjectId("5f620f9d52024f4dcab4718f")', 'ObjectId("5f620f9d52024f4dcab4718b")']
        (found,) = server.commands("find")
        assert found["find"] == "employees" and found["filter"] == {}
        sent_nothing_but_reads(server)


async def test_a_write_typed_in_the_editor_is_refused_and_never_sent() -> None:
    app, server, _ = make_app("example")
    async with app.run_test(size=(160, 48)) as pilot:
        await started(pilot, app)
        screen = app.main_screen
        await pilot.press("2")
        editor = screen.query_one("#query-editor")
        before = len(server.sent)
        # run, explain, explain with executionStats
        for refusals, key in enumerate(("ctrl+r", "ctrl+e", "f6"), start=1):
            screen.centre.active = "query"
            editor.load_text("db.orders.deleteMany({})")  # type: ignore[attr-defined]
            editor.focus()
            await pilot.press(key)
            await wait_until(
                pilot,
                lambda n=refusals: (
                    sum("deleteMany() changes data" in m.message for m in app._notifications) >= n
                ),
                f"the refusal after {key}",
            )
            # Refused outright: no "run and roll back" question (MongoDB has no transaction to undo it).
            assert app.screen is screen, type(app.screen).__name__
        assert server.sent[before:] == [], server.sent[before:]
        sent_nothing_but_reads(server)
