"""The advisor-quality corpus: public sample databases (Chinook, Northwind) with a seeded scaler,
loaders for PostgreSQL and MariaDB, and realistic queries with expert answer keys (``keys/``).

Provenance and licences: ``SOURCES.md``. Used by ``tests/corpus/test_corpus_live.py`` (small scale)
and ``benchmarks/advisor_quality.py`` (scaled)."""
