"""Record the golden outputs: `python tests/golden/record.py` (only on purpose)."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.golden.cases import HERE, expected_form, histories, run_case


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, db, cases in histories(work):
            out = HERE / name
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()
            for case in cases:
                (out / f"{case.name}.out").write_bytes(expected_form(run_case(db, case, work)))
            print(f"{name}: {len(cases)} outputs")


if __name__ == "__main__":
    main()
