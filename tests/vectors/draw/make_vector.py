"""Write the expert draw's golden vector from ``input.json`` (``docs/expert-draw.md`` §"Golden vector").

    .venv/bin/python tests/vectors/draw/make_vector.py

Writes ``DRAW.json`` (the full record, server seed revealed), ``pool.txt`` (the pool document whose
SHA-256 is the pool commitment) and ``exclusions.json`` (who was excluded and why, how many hold
none of the specialties). Run once when the vector was made; the tests compare the code with these
files and never rewrite them, so a change of the algorithm shows up as a failing test, not as a new
vector. Re-running it with unchanged code rewrites the same bytes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bidding.experts.committee import validate_committee  # noqa: E402
from bidding.experts.draw import draw  # noqa: E402
from tests.fixtures.draw_vector import load_vector  # noqa: E402


def main() -> None:
    vector = load_vector(HERE)
    validate_committee(vector.committee)
    split = vector.split()
    pool = vector.pool()
    record = draw(pool, vector.server_seed, vector.public_inputs)
    (HERE / "DRAW.json").write_text(record.to_json(), encoding="ascii", newline="\n")
    (HERE / "pool.txt").write_bytes(pool.document())
    exclusions = {
        "excluded": {expert: sorted(r.value for r in reasons) for expert, reasons in sorted(split.excluded.items())},
        "outside": split.outside,
    }
    (HERE / "exclusions.json").write_text(json.dumps(exclusions, indent=1) + "\n", encoding="ascii", newline="\n")
    for code in record.constraints:
        assert record.result is not None
        print(code, "seated", record.result.seated[code], "backups", record.result.backups[code])


if __name__ == "__main__":
    main()
