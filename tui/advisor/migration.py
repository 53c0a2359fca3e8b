"""The "copy all as a migration script" text: every finding's DDL in phases, each step with its rollback,
written for the engine the statements belong to.

Phases: 1 non-breaking (new indexes, statistics, maintenance), 2 definition and data changes, 3 drops
and locking rewrites — hiding an index (MongoDB ``hideIndex``, MySQL ``INVISIBLE``, MariaDB
``IGNORED``) is phase 3's first step and the drops follow it, once the hidden index has been watched.

Transactions per engine:
- PostgreSQL: runs of ordinary statements inside BEGIN/COMMIT; CONCURRENTLY and VACUUM alone outside
  (PostgreSQL refuses them in a transaction block).
- MySQL/MariaDB: DDL (ALTER/CREATE/DROP/RENAME/TRUNCATE, ANALYZE/OPTIMIZE TABLE) commits implicitly
  before and after each statement, so it is never wrapped; anything else runs in START TRANSACTION /
  COMMIT.
- MongoDB (mongosh): no transaction wrapper — index commands are not transactional; comments are
  ``//`` so the script loads in mongosh as is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from tui.advisor.ddl import parse_create_index, subsumed_by
from tui.core import termsafe
from tui.core.finding import Finding

POSTGRESQL, MYSQL, MONGOSH = "postgresql", "mysql", "mongosh"

PHASES = (
    (1, "Phase 1 — non-breaking changes (new indexes, statistics, maintenance)"),
    (2, "Phase 2 — data and definition changes"),
    (3, "Phase 3 — breaking or destructive changes (drops), after phase 1 has been observed"),
)

_NON_TRANSACTIONAL = re.compile(r"\bCONCURRENTLY\b|^\s*VACUUM\b", re.I)
_SESSION_ONLY = re.compile(r"^\s*(SET|RESET)\s", re.I)
_MONGO_CALL = re.compile(r"^\s*db\s*[.\[]", re.S)
_MONGO_METHOD = re.compile(r"\.(\w+)\s*\(")
_MONGO_NAVIGATION = ("getCollection", "getSiblingDB", "getMongo")
_MYSQL_IMPLICIT_COMMIT = re.compile(
    r"^\s*(ALTER|CREATE|DROP|RENAME|TRUNCATE|ANALYZE|OPTIMIZE|REPAIR)\s", re.I
)
_MYSQL_HIDE = re.compile(r"\bALTER\s+INDEX\s+\S+\s+(INVISIBLE|IGNORED)\s*;?\s*$", re.I)
_ENGINE_LANGUAGE = {
    "postgresql": POSTGRESQL,
    "mysql": MYSQL,
    "mariadb": MYSQL,
    "mongodb": MONGOSH,
}
_RULE_LANGUAGE = {"pg": POSTGRESQL, "mysql": MYSQL, "mariadb": MYSQL, "mongo": MONGOSH}


def language_of(statement: str, rule: str = "", engine: str | None = None) -> str:
    """The language a statement is written in: mongosh for ``db.…(…)`` commands, else the engine given,
    else the rule id's engine prefix (``mysql.…``), else MySQL for its own syntax (backquotes,
    ``ALGORITHM=``), else PostgreSQL."""
    if _MONGO_CALL.match(statement):
        return MONGOSH
    if engine in _ENGINE_LANGUAGE:
        return _ENGINE_LANGUAGE[engine]
    prefix = rule.split(".", 1)[0]
    if prefix in _RULE_LANGUAGE:
        return _RULE_LANGUAGE[prefix]
    if "`" in statement or re.search(r"\bALGORITHM\s*=|\bLOCK\s*=", statement, re.I):
        return MYSQL
    return POSTGRESQL


def mongo_method(statement: str) -> str:
    """``db.getCollection("c").hideIndex("x")`` → ``hideIndex`` (the first call after the navigation)."""
    for name in _MONGO_METHOD.findall(statement):
        if name not in _MONGO_NAVIGATION:
            return str(name)
    return ""


def is_hide(statement: str, language: str) -> bool:
    """Hiding an index from the planner: the reversible first step of removing it."""
    if language == MONGOSH:
        return mongo_method(statement) == "hideIndex"
    return language == MYSQL and bool(_MYSQL_HIDE.search(statement))


def statement_phase(statement: str, language: str = POSTGRESQL) -> int:
    """1 for additive/maintenance statements, 3 for hides, drops and locking rewrites, 2 for the rest."""
    if language == MONGOSH:
        method = mongo_method(statement)
        if method in ("createIndex", "createIndexes", "unhideIndex"):
            return 1
        if method in ("hideIndex", "dropIndex", "dropIndexes", "drop"):
            return 3
        return 2
    head = " ".join(statement.split()).upper()
    if language == MYSQL:
        if is_hide(statement, language) or head.startswith("DROP ") or re.search(r"\bDROP\s", head):
            return 3
        if head.startswith(("ANALYZE TABLE", "CREATE INDEX", "CREATE UNIQUE INDEX")):
            return 1
        if head.startswith("ALTER TABLE") and re.search(
            r"\bADD\s+(UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?(INDEX|KEY)\b", head
        ):
            return 1
        return 2
    if head.startswith("DROP ") or (head.startswith("ALTER TABLE") and " DROP " in head):
        return 3
    if head.startswith("VACUUM") and "FULL" in head.split(")")[0]:
        return 3
    if head.startswith(
        ("CREATE INDEX", "CREATE UNIQUE INDEX", "ANALYZE", "VACUUM", "CREATE STATISTICS", "CREATE EXTENSION")
    ):
        return 1
    if head.startswith("ALTER TABLE") and " SET STATISTICS " in head:
        return 1
    return 2


def runs_outside_transaction(statement: str, language: str = POSTGRESQL) -> bool:
    """Whether the statement must not (or cannot) run inside BEGIN/COMMIT."""
    if language == MONGOSH:
        return True
    if language == MYSQL:
        return bool(_MYSQL_IMPLICIT_COMMIT.match(statement))
    return bool(_NON_TRANSACTIONAL.search(statement))


@dataclass(slots=True)
class _Step:
    finding: Finding
    pairs: list[tuple[str, str | None]]
    language: str
    note: str = ""


def _pairs(finding: Finding) -> list[tuple[str, str | None]]:
    """(statement, its rollback) for each DDL statement; rollback lists either pair one-to-one or give
    one undo for the whole finding (attached to its last statement)."""
    if len(finding.rollback) == len(finding.ddl):
        return list(zip(finding.ddl, finding.rollback, strict=True))
    undo = "\n".join(finding.rollback) if finding.rollback else None
    return [(stmt, undo if i == len(finding.ddl) - 1 else None) for i, stmt in enumerate(finding.ddl)]


def _is_comment(text: str | None) -> bool:
    return text is None or all(
        line.strip().startswith(("--", "//")) or not line.strip() for line in text.splitlines()
    )


_PG_OUTSIDE = (
    "-- Outside a transaction block: PostgreSQL refuses CONCURRENTLY and VACUUM inside BEGIN/COMMIT."
)
_HEADER_NOTE = {
    MYSQL: (
        "-- MySQL/MariaDB: no BEGIN/COMMIT around DDL — ALTER/CREATE/DROP TABLE and INDEX commit implicitly "
        "before and after each statement, so a transaction cannot group or undo them; after a failure, run the "
        "rollback of the steps that completed."
    ),
    MONGOSH: (
        "// mongosh: each command runs on its own; createIndex, hideIndex and dropIndex are not transactional, "
        "so there is no transaction wrapper."
    ),
}


def _step_lines(step: _Step, comment: str) -> list[str]:
    """The statements of one step, in order, with the transaction handling of their language; then the
    rollback, newest change first, commented out."""
    lines: list[str] = []
    block: list[str] = []
    begin = "START TRANSACTION;" if step.language == MYSQL else "BEGIN;"

    def flush() -> None:
        if block:
            lines.extend([begin, *block, "COMMIT;"])
            block.clear()

    for stmt, _undo in step.pairs:
        if runs_outside_transaction(stmt, step.language):
            flush()
            if step.language == POSTGRESQL:
                lines.append(_PG_OUTSIDE)
            lines.append(stmt)
        else:
            block.append(stmt)
    flush()
    undos = [u for _stmt, u in reversed(step.pairs) if not _is_comment(u)]
    if undos:
        lines.append(f"{comment} Rollback (run in this order):")
        lines += [f"{comment}   {line}" for undo in undos for line in (undo or "").splitlines()]
    else:
        lines.append(f"{comment} Rollback: none needed (no definition changes).")
    return lines


def _script_language(findings: list[Finding], engine: str | None) -> str:
    """The language of the script's comments: the engine's, else the statements' own."""
    if engine in _ENGINE_LANGUAGE:
        return _ENGINE_LANGUAGE[engine]
    languages = {language_of(stmt, f.rule) for f in findings for stmt in f.ddl}
    if languages == {MONGOSH}:
        return MONGOSH
    return MYSQL if languages == {MYSQL} else POSTGRESQL


def _split_hides(finding: Finding, pairs: list[tuple[str, str | None]], language: str) -> list[_Step]:
    """A removal written as hide + drop becomes two steps: hide first, drop once it has been watched."""
    hides = [(s, u) for s, u in pairs if is_hide(s, language)]
    if not hides or len(hides) == len(pairs):
        return [_Step(finding, pairs, language)]
    rest = [(s, u) for s, u in pairs if not is_hide(s, language)]
    return [
        _Step(
            finding, hides, language, note="hide first; the planner stops using it, writes still maintain it"
        ),
        _Step(finding, rest, language, note="after the hidden index has been watched with no regression"),
    ]


def migration_script(
    findings: Iterable[Finding], *, title: str = "dbscope migration", engine: str | None = None
) -> str:
    """Every finding's DDL as one script in phases, one step per finding (a hide-then-drop removal is
    two steps in phase 3: all hides first, then the drops), statements in order and the rollback
    beneath, commented out so the script runs forward as is. A step's phase is its most disruptive
    statement's. ``engine`` ("postgresql", "mysql", "mariadb", "mongodb") sets the language; without
    it each statement's language is read from its shape and its rule id. Session settings
    (``SET work_mem``) are listed at the end as comments: they belong to a session, not the schema."""
    findings = list(findings)
    script_language = _script_language(findings, engine)
    comment = "//" if script_language == MONGOSH else "--"
    steps: dict[int, list[_Step]] = {1: [], 2: [], 3: []}
    session: list[tuple[Finding, str]] = []
    seen: set[str] = set()
    for finding in findings:
        pairs: list[tuple[str, str | None]] = []
        for stmt, undo in _pairs(finding):
            if stmt in seen:
                continue
            seen.add(stmt)
            if _SESSION_ONLY.match(stmt):
                session.append((finding, stmt))
            else:
                pairs.append((stmt, undo))
        if not pairs:
            continue
        language = _ENGINE_LANGUAGE.get(engine or "") or language_of(pairs[0][0], finding.rule)
        for step in _split_hides(finding, pairs, language):
            steps[max(statement_phase(stmt, language) for stmt, _ in step.pairs)].append(step)
    # Phase 3: every hide before any drop, so the drops come after the hidden indexes were watched.
    steps[3].sort(key=lambda s: not all(is_hide(stmt, s.language) for stmt, _ in s.pairs))
    skipped = _drop_subsumed(steps, seen)
    lines = [
        f"{comment} {title}",
        f"{comment} Generated by dbscope. Review before running; each step lists its rollback.",
    ]
    languages = {step.language for group in steps.values() for step in group}
    lines += [_HEADER_NOTE[lang] for lang in (MYSQL, MONGOSH) if lang in languages]
    lines += skipped
    if not any(steps.values()) and not session:
        lines.append(f"{comment} No DDL to apply.")
        return "\n".join(lines) + "\n"
    number = 0
    for phase, heading in PHASES:
        if not steps[phase]:
            continue
        lines += ["", f"{comment} {'=' * 70}", f"{comment} {heading}", f"{comment} {'=' * 70}"]
        for step in steps[phase]:
            number += 1
            # One comment line, whatever the name holds: a newline would end the comment mid-name.
            target = f" on {termsafe.line(step.finding.object)}" if step.finding.object else ""
            note = f" — {step.note}" if step.note else ""
            lines += [
                "",
                f"{comment} Step {number}: {step.finding.title}{target} [{step.finding.rule}]{note}",
            ]
            lines += _step_lines(step, comment)
    if session:
        lines += ["", f"{comment} Session settings (apply per session or role, not as a migration):"]
        lines += [f"{comment}   {stmt}  -- {finding.title}" for finding, stmt in session]
    return "\n".join(lines) + "\n"


def _drop_subsumed(steps: dict[int, list[_Step]], seen: set[str]) -> list[str]:
    """Remove CREATE INDEX statements another created index leads with (PostgreSQL); say so."""
    created = [c for c in (parse_create_index(s) for s in seen) if c is not None]
    skipped: list[str] = []
    for phase in steps:
        kept = []
        for step in steps[phase]:
            remaining = []
            for stmt, undo in step.pairs:
                mine = parse_create_index(stmt) if step.language == POSTGRESQL else None
                wider = subsumed_by(mine, created) if mine else None
                if mine is not None and wider is not None:
                    skipped.append(
                        f"-- Not built: {mine.name} ({mine.key_text}) [{step.finding.rule}] — {wider.name} "
                        f"({wider.key_text}) leads with the same columns and serves its lookups."
                    )
                    continue
                remaining.append((stmt, undo))
            if remaining:
                step.pairs = remaining
                kept.append(step)
        steps[phase] = kept
    return skipped
