"""Every example in README.md and docs/*.md is executed, and its output compared where the page shows it.

Conventions of the pages (so that a doc cannot drift from the program):

* ``console`` blocks: each ``$ command`` runs (``nernst ...`` in this process, anything else in a shell), in
  a scratch folder that holds the repository's ``docs`` and ``src``; the lines after it, up to the next
  ``$``, are its expected output.  ``...`` stands for any text (a whole line: any number of lines).  A
  command whose expected output starts with ``nernst: error`` must exit with code 2, one whose comment says
  ``# exit code N`` with N, any other with 0.
* ``toml`` blocks whose first line is ``# NAME.toml`` (or ``# NAME.toml: ...``) are written to that file
  first, so the commands after them can read it.
* ``pycon`` blocks are doctests (``>>>`` and the output), run in one namespace per page.
* ``<!-- doc-test: skip REASON -->`` on the line before a block skips it (a server that never ends, a
  run interrupted by Ctrl+C).

Timings (``in 0.16 s``, ``points/s``) and progress bars vary from run to run and are masked.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^```(\w*)\s*$")
SKIP = re.compile(r"<!--\s*doc-test:\s*skip\b(.*?)-->")
TOML_NAME = re.compile(r"^#\s*([\w.-]+\.toml)\b")
EXIT_CODE = re.compile(r"#.*\bexit code (\d+)")

# what varies between runs: wall-clock times, rates, the progress bar
VOLATILE = [
    (re.compile(r"\b\d+(\.\d+)? s simulated in \d+(\.\d+)? s"), "<T> s simulated in <T> s"),
    (re.compile(r"simulated in \d+(\.\d+)? s"), "simulated in <T> s"),
    (re.compile(r"\(\d+(\.\d+)? s to compute\)"), "(<T> s to compute)"),
    (re.compile(r"residual [\d.e+-]+ pmol/cm\^2/s, \d+(\.\d+)? ms\)"), "residual <R> pmol/cm^2/s, <T> ms)"),
    (re.compile(r"\d+(\.\d+)? s in all \(\d+(\.\d+)? s computing\)"), "<T> s in all (<T> s computing)"),
    (re.compile(r", [\d,.]+ points/s|, [\d.]+ s/point"), ", <rate>"),
    (re.compile(r'"wall_time_s": [\d.e+-]+'), '"wall_time_s": <T>'),
    (re.compile(r'"(elapsed_s|compute_s|points_per_s)": [\d.e+-]+'), r'"\1": <T>'),
]


def _mask(line: str) -> str:
    for pat, rep in VOLATILE:
        line = pat.sub(rep, line)
    return line.rstrip()


def _is_progress(line: str) -> bool:
    return "━" in line and ("points" in line or "left" in line)


@dataclass
class Block:
    lang: str
    start: int  # line number of the opening fence (1-based)
    lines: list
    skip: str | None


def blocks(page: Path) -> list:
    out, lines = [], page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m and m.group(1):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            prev = lines[i - 1] if i else ""
            sk = SKIP.search(prev)
            out.append(Block(m.group(1), i + 1, lines[i + 1:j], sk.group(1).strip() if sk else None))
            i = j + 1
        else:
            i += 1
    return out


def _commands(block: Block) -> list:
    """(line number, command, expected output lines) of a console block."""
    cmds = []
    for k, line in enumerate(block.lines):
        if line.startswith("$ "):
            cmds.append([block.start + 1 + k, line[2:], []])
        elif cmds:
            cmds[-1][2].append(line)
    for c in cmds:
        while c[2] and not c[2][-1].strip():
            c[2].pop()
    return cmds


def _run(cmd: str, cwd: Path) -> tuple:
    argv = shlex.split(cmd, comments=True)
    if argv and argv[0] == "nernst":
        from nernst.cli import main

        buf = io.StringIO()
        old = os.getcwd()
        os.chdir(cwd)
        try:
            with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
                code = main(argv[1:])
        finally:
            os.chdir(old)
        return code, buf.getvalue()
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    p = subprocess.run(cmd, shell=True, cwd=cwd, capture_output=True, text=True, timeout=600, env=env)
    return p.returncode, p.stdout + p.stderr


def _matches(expected: list, actual: list) -> bool:
    """Line-by-line match; '...' alone matches any run of lines, inside a line any text."""
    pats = []
    for e in expected:
        e = _mask(e)
        if e.strip() == "...":
            pats.append(None)
        else:
            pats.append(re.compile(re.escape(e).replace(re.escape("..."), ".*") + r"\s*"))

    def go(i, j):
        if i == len(pats):
            return j == len(actual)
        if pats[i] is None:
            return any(go(i + 1, k) for k in range(j, len(actual) + 1))
        return j < len(actual) and pats[i].fullmatch(actual[j]) is not None and go(i + 1, j + 1)

    return go(0, 0)


@pytest.fixture()
def scratch(tmp_path):
    for name in ("docs", "src"):
        (tmp_path / name).symlink_to(ROOT / name)
    return tmp_path


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page_examples(page, scratch, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    failures = []
    globs = {"__name__": f"doc_{page.stem}"}
    for b in blocks(page):
        if b.skip is not None:
            continue
        if b.lang == "toml" and b.lines and TOML_NAME.match(b.lines[0]):
            (scratch / TOML_NAME.match(b.lines[0]).group(1)).write_text("\n".join(b.lines) + "\n", encoding="utf-8")
        elif b.lang == "console":
            for line_no, cmd, expected in _commands(b):
                code, out = _run(cmd, scratch)
                actual = [_mask(x) for x in out.splitlines() if not _is_progress(x)]
                while actual and not actual[-1]:
                    actual.pop()
                stated = EXIT_CODE.search(cmd)
                want = int(stated.group(1)) if stated else 2 if expected and expected[0].startswith("nernst: error") else 0
                if code != want:
                    failures.append(f"{page.name}:{line_no}: `{cmd}` exited {code}, expected {want}:\n{out}")
                elif expected and not _matches(expected, actual):
                    failures.append(f"{page.name}:{line_no}: `{cmd}` printed\n" + "\n".join(actual)
                                    + "\n--- but the page shows ---\n" + "\n".join(expected))
        elif b.lang == "pycon":
            text = "\n".join(b.lines) + "\n"
            test = doctest.DocTestParser().get_doctest(text, globs, f"{page.name}:{b.start}", str(page), b.start)
            report = io.StringIO()
            runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
            old = os.getcwd()
            os.chdir(scratch)
            try:
                runner.run(test, out=report.write, clear_globs=False)  # later blocks of the page continue it
            finally:
                os.chdir(old)
            globs.update(test.globs)
            if runner.failures:
                failures.append(f"{page.name}:{b.start}: doctest failed\n{report.getvalue()}")
        elif b.lang == "python":
            failures.append(f"{page.name}:{b.start}: a ```python block is not checked: write it as ```pycon with "
                            "its output, or mark it <!-- doc-test: skip REASON -->")
    assert not failures, "\n\n".join(failures)
