"""Write the mechanisms table of docs/mechanisms.md from the mechanisms' own declarations.

    python tools/mechanisms_table.py          rewrite the table in place
    python tools/mechanisms_table.py --check  exit 1 if the page is out of date

The table sits between the markers ``<!-- mechanisms table: begin ... -->`` and
``<!-- mechanisms table: end -->``; the test suite checks that it equals what the declarations write.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from nernst.mechanisms.base import table

PAGE = Path(__file__).resolve().parents[1] / "docs" / "mechanisms.md"
_BLOCK = re.compile(r"(<!-- mechanisms table: begin.*?-->\n)(.*?)(<!-- mechanisms table: end -->)", re.S)


def main(argv) -> int:
    text = PAGE.read_text()
    if not _BLOCK.search(text):
        print(f"{PAGE}: no table markers", file=sys.stderr)
        return 2
    new = _BLOCK.sub(lambda m: m.group(1) + table() + m.group(3), text)
    if "--check" in argv:
        if new != text:
            print(f"{PAGE} is out of date: run python tools/mechanisms_table.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
