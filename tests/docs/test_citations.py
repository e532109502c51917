"""User-facing text (CLI output, docs, presets, the web page) cites published sources, never this repository's
working documents."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = re.compile(r"seed 00[0-3]|seeds?/00|shared/|PHYSICS\.md|DESIGN\.md|ARCHITECTURE\.md|seeds' claims")


def test_no_internal_documents_in_user_facing_text():
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "src" / "nernst").rglob("*.py")),
             *sorted((ROOT / "src" / "nernst").rglob("*.toml")), *sorted((ROOT / "src" / "nernst").rglob("*.js"))]
    bad = [f"{f.relative_to(ROOT)}:{i}: {line.strip()}" for f in files
           for i, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1) if FORBIDDEN.search(line)]
    assert not bad, "\n".join(bad)
