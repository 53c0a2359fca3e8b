"""The grading rules of the advisor-quality benchmark, on findings shaped like dbscope's JSON."""

from __future__ import annotations

from typing import Any

from tests.corpus.grading import CORRECT, DEBATABLE, WRONG, grade_finding, missed
from tests.corpus.keys import load_keys

KEYS = {k.id: k for k in load_keys("postgresql")}
MY = {k.id: k for k in load_keys("mariadb")}


def _index(statement: str, rule: str = "pg.seq-scan-selective") -> dict[str, Any]:
    return {"rule": rule, "title": "t", "ddl": [statement]}


def test_the_keys_index_is_correct_with_or_without_include_and_direction() -> None:
    key = KEYS["pg-chinook-invoices-one-day"]
    plain = grade_finding(
        _index('CREATE INDEX CONCURRENTLY "i" ON "public"."invoice" ("invoice_date");'), key
    )
    covering = grade_finding(_index("CREATE INDEX i ON invoice (invoice_date DESC) INCLUDE (total)"), key)
    assert (plain.verdict, covering.verdict) == (CORRECT, CORRECT)
    assert missed([plain], key) == []


def test_a_prefix_of_the_keys_index_is_debatable_and_another_table_wrong() -> None:
    key = KEYS["pg-nw-employee-quarter"]
    assert grade_finding(_index("CREATE INDEX i ON orders (employee_id)"), key).verdict == DEBATABLE
    assert grade_finding(_index("CREATE INDEX i ON orders (freight)"), key).verdict == WRONG
    assert grade_finding(_index("CREATE INDEX i ON orders (order_date)"), key).verdict == DEBATABLE  # listed


def test_any_index_where_the_key_wants_none_is_wrong() -> None:
    key = KEYS["pg-chinook-mpeg-tracks"]
    grade = grade_finding(_index("CREATE INDEX i ON track (media_type_id) INCLUDE (name, bytes)"), key)
    assert (grade.verdict, grade.reason) == (WRONG, "the key says no index")


def test_mysql_alter_table_add_index_is_read_and_names_are_case_blind() -> None:
    key = MY["my-chinook-customer-by-email"]
    statement = "ALTER TABLE `Customer` ADD INDEX `ix_email` (`Email`), ALGORITHM=INPLACE, LOCK=NONE"
    assert grade_finding(_index(statement, "mysql.full-table-scan"), key).verdict == CORRECT


def test_other_findings_are_graded_by_the_diagnosis_their_rule_makes() -> None:
    key = KEYS["pg-chinook-revenue-year-extract"]
    assert grade_finding({"rule": "pg.function-on-indexed-column", "ddl": []}, key).verdict == CORRECT
    assert grade_finding({"rule": "pg.cache-misses", "ddl": []}, key).verdict == DEBATABLE
    assert grade_finding({"rule": "sql.select-star", "ddl": []}, key).verdict == WRONG
    assert grade_finding({"rule": "advisor.rule-error", "ddl": []}, key).verdict == WRONG
    assert missed([], key) == ["non-sargable"]  # no index suggested: low selectivity respected
    index = grade_finding(_index("CREATE INDEX i ON invoice (invoice_date)"), key)
    assert missed([index], key) == ["non-sargable", "low-selectivity"]
