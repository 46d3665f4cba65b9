"""How often would counts stated in the prose settle a 表二 digit run wrongly, if they were allowed to?

A 表二 row (本年制发 | 本年废止 | 现行有效) is printed as one run of digits. The prose states two of its counts,
one of them possibly from another scope (a number of similar size). We count the rows where the stated
counts leave exactly one reading and that reading is not the printed one: the rate at which settling on
prose would accept a wrong number. The pipeline therefore only orders readings by the prose.
Usage: ``.venv/bin/python benchmarks/prose_hints.py [TRIALS]``.
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from extraction.digitruns import split_cells  # noqa: E402


def count(rng: random.Random) -> int:
    return rng.choice([rng.randint(0, 9), rng.randint(10, 99), rng.randint(100, 999), rng.randint(1000, 9999)])


def other_scope(rng: random.Random, value: int) -> int:
    """A count of similar size that is not the printed one (another body, another date)."""
    while (other := rng.randint(max(0, value // 3), 3 * value + 3)) == value:
        pass
    return other


def main() -> None:
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    rng = random.Random(2026)
    outcome: Counter[str] = Counter()
    for _ in range(trials):
        printed = (count(rng), count(rng), count(rng))
        run = "".join(map(str, printed))
        readings = split_cells(run, ("count",) * 3)
        if len(readings) == 1:
            outcome["reads one way: no prose needed"] += 1
            continue
        issued, in_force = printed[0], printed[2]
        case = rng.choice(["both right", "现行有效 from another scope"])
        if case != "both right":
            in_force = other_scope(rng, in_force)
        fitting = [r for r in readings if r[0] == issued and r[2] == in_force]
        if len(fitting) != 1:
            outcome[f"{case}: several or none fit"] += 1
        elif fitting[0] == printed:
            outcome[f"{case}: one fits, the printed one"] += 1
        else:
            outcome[f"{case}: one fits, NOT the printed one"] += 1
    print(f"# Prose counts as a way to settle 表二 digit runs ({trials:,} rows, seed 2026)\n")
    print("| case | rows |\n|---|---:|")
    for case, n in sorted(outcome.items()):
        print(f"| {case} | {n:,} |")


if __name__ == "__main__":
    main()
