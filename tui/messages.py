"""App-level messages posted by thread workers (the only channel out of a worker) and handled by the
main screen, which updates the widgets. Pane widgets keep their own messages as nested classes."""

from __future__ import annotations

from textual.message import Message

from tui.core.catalog import CatalogNode, ObjectDetail
from tui.core.session import ServerInfo


class StartupProgress(Message):
    """A step of starting up (demo server, connecting) to show on the loading screen."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StartupProgress)


class Connected(Message):
    """The adapter connected (or reconnected, or switched database)."""

    def __init__(self, server: ServerInfo, *, reason: str = "connect") -> None:
        super().__init__()
        self.server = server
        self.reason = reason  # "connect" | "reconnect" | "switch"


class DetailLoaded(Message):
    """The detail of an opened object arrived."""

    def __init__(self, detail: ObjectDetail) -> None:
        super().__init__()
        self.detail = detail


class DatabasesListed(Message):
    """The databases the user may switch to."""

    def __init__(self, names: list[str], current: str) -> None:
        super().__init__()
        self.names = names
        self.current = current


class WorkFailed(Message):
    """A worker failed with ``error`` while doing ``action`` (a short phrase: "opening shop.orders")."""

    def __init__(self, error: BaseException, action: str) -> None:
        super().__init__()
        self.error = error
        self.action = action


class OpenObject(Message):
    """Open ``node`` in the detail pane (from the tree, the filter or the palette)."""

    def __init__(self, node: CatalogNode) -> None:
        super().__init__()
        self.node = node


class CancelFinished(Message):
    """The server-side cancel request returned (``sent`` says whether one was sent)."""

    def __init__(self, sent: bool) -> None:
        super().__init__()
        self.sent = sent


class ObjectShown(Message):
    """The detail pane now shows ``detail`` (the advisor panel follows the opened object)."""

    def __init__(self, detail: ObjectDetail) -> None:
        super().__init__()
        self.detail = detail


class PlanReady(Message):
    """A plan was explained and parsed (``query`` is the statement as sent)."""

    def __init__(self, plan: object, query: str) -> None:
        super().__init__()
        self.plan = plan
        self.query = query


class FindingsReady(Message):
    """Advisor findings for ``label`` ("plan of SELECT …", "table shop.orders")."""

    def __init__(self, findings: list[object], label: str, *, for_plan: bool = False) -> None:
        super().__init__()
        self.findings = findings
        self.label = label
        self.for_plan = for_plan


class ResultsReady(Message):
    """A statement ran; ``page`` is the capped page of rows (``tui.core.session.ResultPage``)."""

    def __init__(self, page: object, query: str) -> None:
        super().__init__()
        self.page = page
        self.query = query


class StatementFailed(Message):
    """A statement run or explained by the user failed or was cancelled (``kind``: run, explain,
    analyze); the history entry is already written."""

    def __init__(self, error: BaseException, query: str, kind: str) -> None:
        super().__init__()
        self.error = error
        self.query = query
        self.kind = kind


class HistoryRecorded(Message):
    """A statement was added to the current connection's history."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, HistoryRecorded)


class TopLoaded(Message):
    """The server's statement statistics (``tui.core.session.StatementStat`` list) arrived."""

    def __init__(self, stats: list[object], engine: str) -> None:
        super().__init__()
        self.stats = stats
        self.engine = engine


class TopUnavailable(Message):
    """The server keeps no statement statistics dbscope can read; ``reason`` says how to enable them."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class ProfileConnected(Message):
    """A new server profile connected; the screen swaps it in for the current adapter."""

    def __init__(self, adapter: object, spec: object, server: ServerInfo, label: str) -> None:
        super().__init__()
        self.adapter = adapter
        self.spec = spec
        self.server = server
        self.label = label


class ProfileFailed(Message):
    """Connecting to another profile failed; the current session stays."""

    def __init__(self, error: BaseException, label: str) -> None:
        super().__init__()
        self.error = error
        self.label = label


class StatementReviewed(Message):
    """The gate's review of a statement the user asked to run or explain (``tui.core.gate.Review``,
    None for MongoDB); the screen then refuses, confirms or sends it."""

    def __init__(self, review: object, query: str, action: str, options: dict[str, object]) -> None:
        super().__init__()
        self.review = review
        self.query = query
        self.action = action  # "run" | "explain" | "analyze"
        self.options = options
