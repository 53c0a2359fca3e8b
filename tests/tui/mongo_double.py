"""A recorded MongoDB server at the PyMongo boundary, for Pilot tests of the app on a MongoDB session.

``RecordedMongo.client`` stands where ``pymongo.MongoClient`` stands: the adapter receives it through its
``client_factory`` seam (``MongoAdapter(spec, client_factory=server.client)``) and calls what it calls on
a real client: ``client[db].command(...)``, ``client[db].cursor_command(...)``, ``read_preference``,
``close()``. Everything else — the adapter, its read-only guard, the converters, the plan parser, the
advisor and the UI — is the real code.

Every answer is a recorded server output from tests/fixtures (each file's source is in the SOURCES.md
beside it), unchanged: the only thing the test chooses is the route, i.e. for which (database, command,
collection) a recording is replayed. A command without a route raises ``OperationFailure`` (what a real
server raises for a command it cannot answer); every command received is kept in ``sent`` so a test
can prove what did and did not leave the client.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bson import json_util
from bson.son import SON
from pymongo import ReadPreference
from pymongo.errors import OperationFailure

from tui.core import mongoshell

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

# A route: (database, command name, collection or "", first pipeline stage / explain verbosity or "").
Route = tuple[str, str, str, str]


def ejson(relative: str) -> Any:
    """A recorded Extended JSON / JSON file, decoded as PyMongo hands documents over (bson types)."""
    return json_util.loads((FIXTURES / relative).read_text(encoding="utf-8"))


def mongosh(relative: str) -> Any:
    """A recorded mongosh-printed output (the one value in the file)."""
    (value,) = mongoshell.parse_values((FIXTURES / relative).read_text(encoding="utf-8"))
    return value


def index_information_as_listing(info: dict[str, Any]) -> list[dict[str, Any]]:
    """PyMongo's ``index_information()`` back into the listIndexes documents it was built from: PyMongo
    keys each listIndexes document by its ``name`` and turns ``key`` into a list of pairs; nothing else
    is changed."""
    return [
        {**{k: v for k, v in spec.items() if k != "key"}, "key": SON(spec["key"]), "name": name}
        for name, spec in info.items()
    ]


def route_of(database: str, command: dict[str, Any]) -> Route:
    name = str(next(iter(command)))
    if name == "explain":
        inner = command["explain"]
        inner_name = str(next(iter(inner)))
        return (database, f"explain {inner_name}", str(inner[inner_name]), str(command.get("verbosity", "")))
    if name == "aggregate":
        pipeline = command.get("pipeline") or []
        stage = str(next(iter(pipeline[0]))) if pipeline and isinstance(pipeline[0], dict) else ""
        return (database, name, str(command[name]), stage)
    if name in ("listIndexes", "find", "count", "distinct", "collStats"):
        return (database, name, str(command[name]), "")
    return (database, name, "", "")


@dataclass
class RecordedMongo:
    """Routes → recorded answers (a document for ``command``, a list of documents for a cursor)."""

    routes: dict[Route, Any]
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    unanswered: list[Route] = field(default_factory=list)
    clients: int = 0

    def client(self, *args: Any, **kwargs: Any) -> RecordedClient:
        """The ``client_factory``: called as ``MongoClient(url, **options)`` would be."""
        self.clients += 1
        return RecordedClient(self)

    @property
    def names_sent(self) -> list[str]:
        return [str(next(iter(command))) for _, command in self.sent]

    def commands(self, name: str) -> list[dict[str, Any]]:
        return [command for _, command in self.sent if next(iter(command)) == name]

    def answer(self, database: str, command: dict[str, Any]) -> Any:
        self.sent.append((database, dict(command)))
        route = route_of(database, command)
        if route not in self.routes:
            self.unanswered.append(route)
            raise OperationFailure(f"recorded server: no recording for {route}", code=None)
        answer = self.routes[route]
        return answer(command) if callable(answer) else answer


class RecordedDatabase:
    def __init__(self, server: RecordedMongo, name: str) -> None:
        self.server = server
        self.name = name
        self.read_preference = ReadPreference.PRIMARY

    def command(self, command: dict[str, Any], read_preference: Any = None) -> dict[str, Any]:
        answer = self.server.answer(self.name, command)
        if not isinstance(answer, dict):
            raise TypeError(f"the route of {next(iter(command))} holds a cursor's documents, not a reply")
        return answer

    @contextlib.contextmanager
    def cursor_command(self, command: dict[str, Any], read_preference: Any = None) -> Iterator[list[Any]]:
        answer = self.server.answer(self.name, command)
        if not isinstance(answer, list):
            raise TypeError(f"the route of {next(iter(command))} holds a reply, not a cursor's documents")
        yield list(answer)


class RecordedClient:
    def __init__(self, server: RecordedMongo) -> None:
        self.server = server
        self.read_preference = ReadPreference.PRIMARY
        self.closed = False

    def __getitem__(self, name: str) -> RecordedDatabase:
        return RecordedDatabase(self.server, name)

    def close(self) -> None:
        self.closed = True


def by_name(infos: list[dict[str, Any]]) -> Callable[[dict[str, Any]], list[dict[str, Any]]]:
    """listCollections over recorded entries, applying the command's ``filter: {name: …}`` as the
    server does."""

    def answer(command: dict[str, Any]) -> list[dict[str, Any]]:
        wanted = (command.get("filter") or {}).get("name")
        return [info for info in infos if wanted is None or info.get("name") == wanted]

    return answer


def sample_of(documents: list[dict[str, Any]]) -> Callable[[dict[str, Any]], list[dict[str, Any]]]:
    """``$sample: {size: n}`` over recorded documents: at most n of them."""

    def answer(command: dict[str, Any]) -> list[dict[str, Any]]:
        size = int(command["pipeline"][0]["$sample"]["size"])
        return documents[:size]

    return answer
