"""The CLI's print helper and JSON: whatever a plan file or the environment holds, stdout and stderr carry
no raw control character, and JSON output decodes to the exact same value (issue 15 B7)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.cli import main
from tui.core import termsafe
from tui.headless import emit
from tui.headless.plan_output import dumps

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "plans"
HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x9b2J\u202e\n[red]x[/]"


def raw_controls(text: str) -> list[str]:
    return [c for c in text if c != "\n" and not termsafe.is_safe(c)]


@given(
    st.recursive(
        st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
        max_leaves=8,
    )
)
@settings(max_examples=150)
def test_json_output_is_the_same_value_and_terminal_safe(value: object) -> None:
    text = dumps({"v": value})
    assert raw_controls(text) == []
    assert json.loads(text) == {"v": value}


def test_emit_sanitizes_stdout_and_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    emit.out(f"plan of {HOSTILE}")
    emit.err(f"cannot read {HOSTILE} at postgresql://u:secret@h/db")
    out, err = capsys.readouterr()
    assert raw_controls(out) == [] and raw_controls(err) == []
    assert out == "plan of \\x1b]0;pwned\\x07\\x1b[2J\\x9b2J\\u202e\n[red]x[/]\n"
    assert err.count("\n") == 1 and "secret" not in err and "\\x1b]0;pwned\\x07" in err


def test_a_saved_plan_with_hostile_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A real PostgreSQL plan (tests/fixtures/plans, recorded from PostgreSQL 15) with a hostile table name.
    document = json.loads((FIXTURES / "postgres-nested-loop.json").read_text())
    text = json.dumps(document).replace(
        '"Relation Name": "', '"Relation Name": "' + HOSTILE.replace("\n", "\\n")
    )
    saved = tmp_path / "plan.json"
    saved.write_text(text)
    for fmt in ("text", "markdown", "json"):
        code = main(["plan", str(saved), "--format", fmt])
        out, err = capsys.readouterr()
        assert code in (0, 1), err
        assert raw_controls(out) == [] and raw_controls(err) == [], fmt
        if fmt == "json":
            nodes, objects = [json.loads(out)["plan"]], []
            while nodes:
                node = nodes.pop()
                objects.append(node["object"] or "")
                nodes.extend(node["children"])
            assert any(HOSTILE + "t_" in o for o in objects), objects
        else:
            assert "\\x1b]0;pwned\\x07" in out


def test_doctor_with_a_hostile_environment(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "TERM": f"xterm{HOSTILE}",
        "TERM_PROGRAM": "\x1b[?1049h",
        "XDG_CONFIG_HOME": str(tmp_path),
    }
    for fmt in ("text", "json"):
        done = subprocess.run(
            [sys.executable, "-m", "tui", "doctor", "--format", fmt], capture_output=True, env=env, timeout=60
        )
        assert done.returncode == 0, done.stderr
        for stream in (done.stdout, done.stderr):
            assert raw_controls(stream.decode()) == []
        if fmt == "json":
            assert json.loads(done.stdout)["terminal"]["TERM"] == f"xterm{HOSTILE}"
        else:
            assert b"xterm\\x1b]0;pwned\\x07" in done.stdout
