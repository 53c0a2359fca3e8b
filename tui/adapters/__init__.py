"""Engine adapters: the only modules that import a database driver.

``open_adapter(spec)`` picks the adapter for the spec's engine, importing its driver only then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.adapters.base import Adapter
    from tui.core.connspec import ConnectionSpec


def adapter_class(engine: str) -> type[Adapter]:
    if engine == "postgresql":
        from tui.adapters.postgres import PostgresAdapter

        return PostgresAdapter
    if engine == "mysql":
        from tui.adapters.mysql import MySQLAdapter

        return MySQLAdapter
    if engine == "mongodb":
        from tui.adapters.mongo import MongoAdapter

        return MongoAdapter
    raise ValueError(f"no adapter for engine {engine!r}")


def open_adapter(spec: ConnectionSpec, *, mongo_sample_size: int | None = None) -> Adapter:
    """Construct (not yet connect) the adapter for ``spec``. ``mongo_sample_size`` (the config's
    ``mongo_sample_size``) is how many documents a MongoDB adapter samples to infer a schema."""
    cls = adapter_class(spec.engine)
    if spec.engine == "mongodb" and mongo_sample_size is not None:
        return cls(spec, sample_size=mongo_sample_size)  # type: ignore[call-arg]
    return cls(spec)
