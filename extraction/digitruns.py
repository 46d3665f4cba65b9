"""Split table cells that a web page printed without separators: '640020470' → 64 0 0 2 0 4 70.

Why: many portals flatten a table row into one run of digits. The template fixes how many cells a row
has, and the hard identities (I1–I4 in ``shared/spec/report-schema.md``) say which readings can be the
table as published. We never guess: a reading is accepted only when it is the *only* one that the
printed digits and the identities allow; otherwise the candidates go to a reviewer.

A space inside a run is a certain cell boundary; not every boundary has one. A cell is a number
without leading zeros ('0' is a cell, '05' is not). Full-width digits and spaces are normalised.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Literal

from extraction.schema import (ACTIVE, ACTIVE_ROWS_2019, ACTIVE_ROWS_2021, APPLICANT_KEYS,
                               APPLICATION_ROW_KEYS, APPLICATIONS, RESULT_ROW_KEYS, REVIEW,
                               REVIEW_FIELDS, REVIEW_ROWS, ROWS_ABSENT_IN_2019, CellKey, FieldSpec, Template)

CAP = 10_000
"""Most candidates enumerated per run: enough for any real row, bounded for absurd ones."""
SHOWN = 20
"""Most full assignments listed for an ambiguous table (a reviewer reads them)."""
STATE_LIMIT = 200_000
"""Cross-row search gives up (→ ambiguous) beyond this many partial column sums."""

Kind = Literal["count", "money", "signed"]
Cell = int | str
Cells = tuple[Cell, ...]
Status = Literal["solved", "ambiguous", "inconsistent", "partial"]

_PATTERNS: dict[str, re.Pattern[str]] = {
    "count": re.compile(r"0|[1-9]\d*"),
    "money": re.compile(r"(?:0|[1-9]\d*)(?:\.\d+)?"),
    "signed": re.compile(r"[+-]?(?:0|[1-9]\d*)"),
}
_ALLOWED = re.compile(r"[0-9.+\- ]*")
_UNIT = re.compile(r"(.*?)\s*([元万亿千件项个条次]+)")


class Candidates(list[Cells]):
    """A list of readings that also says how many exist in all (``total``) and whether it was cut."""

    total: int = 0

    @property
    def truncated(self) -> bool:
        return self.total > len(self)


class _Run:
    """A normalised run: digits (and '.', signs) without spaces, plus where spaces forced a cut."""

    def __init__(self, run: str) -> None:
        text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", run)).strip()
        if not _ALLOWED.fullmatch(text):
            raise ValueError(f"not a run of digits: {run!r}")
        chunks = text.split(" ") if text else []
        self.s = "".join(chunks)
        forced = [sum(map(len, chunks[: i + 1])) for i in range(len(chunks))]
        # limit[i]: a cell starting at i may not cross the next forced boundary.
        self.limit = [min((p for p in forced if p > i), default=len(self.s)) for i in range(len(self.s) + 1)]
        self._ways: dict[tuple[int, int, tuple[Kind, ...], int | None], int] = {}
        self._group: dict[tuple[int, int], int] = {}
        self._cell: dict[tuple[int, int, str], Cell | None] = {}

    def cell(self, i: int, j: int, kind: Kind = "count") -> Cell | None:
        key = (i, j, kind)
        if key not in self._cell:
            ok = i < j <= self.limit[i] and _PATTERNS[kind].fullmatch(self.s[i:j])
            self._cell[key] = None if not ok else self.s[i:j] if kind == "money" else int(self.s[i:j])
        return self._cell[key]

    def ways(self, i: int, j: int, kinds: tuple[Kind, ...], rem: int | None = None) -> int:
        """Ways to cut s[i:j] into cells of these kinds, summing to rem (None: any sum; rem implies
        counts). Memoised: there may be astronomically many."""
        if not kinds:
            return int(i == j and rem in (None, 0))
        if len(kinds) == 1:  # the last cell is all that is left: no loop, no memo
            v = self.cell(i, j, kinds[0])
            return int(v is not None and rem in (None, v))
        key = (i, j, kinds, rem)
        if key not in self._ways:
            n = 0
            for m in range(i + 1, min(self.limit[i], j - len(kinds) + 1) + 1):
                v = self.cell(i, m, kinds[0])
                if v is not None and rem is not None and int(v) > rem:
                    break  # a longer count starting at i is larger still
                if v is not None:
                    n += self.ways(m, j, kinds[1:], None if rem is None else rem - int(v))
            self._ways[key] = n
        return self._ways[key]

    def cuts(self, i: int, j: int, kinds: tuple[Kind, ...], rem: int | None = None) -> Iterator[Cells]:
        """The readings `ways` counts, in order, visiting only branches that lead somewhere."""
        if len(kinds) <= 1:
            if self.ways(i, j, kinds, rem):
                yield (self.cell(i, j, kinds[0]),) if kinds else ()  # type: ignore[misc]
            return
        for m in range(i + 1, min(self.limit[i], j - len(kinds) + 1) + 1):
            v = self.cell(i, m, kinds[0])
            left = None if rem is None or v is None else rem - int(v)
            if v is not None and (left is None or left >= 0) and self.ways(m, j, kinds[1:], left):
                for rest in self.cuts(m, j, kinds[1:], left):
                    yield (v, *rest)

    def _group_ends(self, p: int, groups: int, size: int) -> Iterator[tuple[int, int, int]]:
        """(start of the total cell, end of the group, total) for a group of `size` cells at p.

        A total is at least its longest part, so it has at least ceil(parts' digits / parts) digits."""
        for e in range(p + size, len(self.s) + 1):
            if not self.group_count(e, groups - 1, size):
                continue  # the rest of the run cannot hold the remaining groups
            for t in range(p + size - 1, e):
                if e - t >= -(-(t - p) // (size - 1)) and isinstance(total := self.cell(t, e), int):
                    yield t, e, total

    def group_count(self, p: int, groups: int, size: int) -> int:
        if groups == 0:
            return int(p == len(self.s))
        key = (p, groups)
        if key not in self._group:
            self._group[key] = sum(
                self.ways(p, t, ("count",) * (size - 1), total) * self.group_count(e, groups - 1, size)
                for t, e, total in self._group_ends(p, groups, size)
            )
        return self._group[key]

    def balanced(self, p: int, groups: int, size: int) -> Iterator[tuple[int, ...]]:
        if groups == 0:
            yield ()
            return
        for t, e, total in self._group_ends(p, groups, size):
            parts_kinds: tuple[Kind, ...] = ("count",) * (size - 1)
            if self.ways(p, t, parts_kinds, total) and self.group_count(e, groups - 1, size):
                for parts in self.cuts(p, t, parts_kinds, total):
                    for rest in self.balanced(e, groups - 1, size):
                        yield (*parts, total, *rest)


def _collect(gen: Iterator[Cells], total: int, cap: int) -> Candidates:
    out = Candidates(islice(gen, cap))
    out.total = total
    return out


def split_candidates(run: str, n: int, cap: int = CAP) -> Candidates:
    """Every way to read `run` as exactly n counts (at most `cap`; ``.truncated`` says if cut)."""
    return split_cells(run, ("count",) * n, cap)


def split_cells(run: str, kinds: Sequence[Kind], cap: int = CAP) -> Candidates:
    """Like split_candidates, with a kind per cell: money cells are decimal strings, signed may carry ±."""
    r, ks = _Run(run), tuple(kinds)
    return _collect(r.cuts(0, len(r.s), ks), r.ways(0, len(r.s), ks), cap)


def balanced_candidates(run: str, groups: int, size: int, cap: int = CAP) -> Candidates:
    """Readings of `run` as `groups` groups of `size` counts whose last cell is the sum of the others."""
    r = _Run(run)
    return _collect(r.balanced(0, groups, size), r.group_count(0, groups, size), cap)


# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowReading:
    """What one run allows on its own: every reading, or only those balancing the row (I2/I4)."""

    run: str
    raw_count: int
    candidates: Candidates
    balanced: bool
    error: str | None = None

    @property
    def domain(self) -> list[Cells]:
        """Readings the cross-row search may use: balanced ones, or the only reading there is."""
        if self.balanced or (self.raw_count == 1 and len(self.candidates) == 1):
            return list(self.candidates)
        return []


def _read(run: str, groups: int, size: int) -> RowReading:
    """Balanced readings when there are any; otherwise every reading (for the reviewer)."""
    try:
        r = _Run(run)
    except ValueError as exc:
        return RowReading(run, 0, Candidates(), False, str(exc))
    kinds: tuple[Kind, ...] = ("count",) * (groups * size)
    raw, bal = r.ways(0, len(r.s), kinds), r.group_count(0, groups, size)
    if bal:
        return RowReading(run, raw, _collect(r.balanced(0, groups, size), bal, CAP), True)
    return RowReading(run, raw, _collect(r.cuts(0, len(r.s), kinds), raw, CAP), False)


@dataclass(frozen=True)
class Solution:
    """status: solved = exactly one reading satisfies every constraint (values complete);
    ambiguous = several do (values holds rows equal in all of them, options the rest);
    inconsistent = none does, yet every row reads one way alone (values complete, unbalanced: the
    validator reports the breaks); partial = none does and only some rows read one way alone."""

    status: Status
    table: str
    values: dict[str, Cells]
    options: dict[str, tuple[Cells, ...]] = field(default_factory=dict)
    rows: dict[str, RowReading] = field(default_factory=dict)
    assignments: tuple[dict[str, Cells], ...] = ()
    count: int = 0
    cross_row: tuple[str, ...] = ()
    hints_used: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    prose_fits: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """表二 rows whose first readings fit counts the prose states: the counts, then how many readings fit.
    Ordered for the reviewer, never settled."""

    def cells(self) -> dict[CellKey, Cell]:
        """The settled values addressed as record cells."""
        return {
            (self.table, row, f): v
            for row, vals in self.values.items()
            for f, v in zip(self.fields[row], vals, strict=True)
        }


HintKey = tuple[str, str] | tuple[str, str, str]
"""(row, field) or (table, row, field) of a cell whose value the report prints elsewhere."""


def _apply_hints(
    options: dict[str, list[Cells]], hints: Mapping[HintKey, int], table: str,
    index: dict[tuple[str, str], tuple[str, int]],
) -> tuple[dict[str, list[Cells]], list[str], list[str]]:
    """Narrow options by cells printed elsewhere (prose totals); a hint matching nothing is ignored.

    index maps (row, field) to (options key, position in a reading)."""
    out, used, notes = dict(options), [], []
    for key, value in sorted(hints.items(), key=str):
        if (len(key) == 3 and key[0] != table) or key[-2:] not in index:
            continue
        label, (row, idx) = f"{key[-2]}.{key[-1]}={value}", index[key[-2:]]
        kept = [c for c in out[row] if c[idx] == value]
        if not kept:
            notes.append(f"hint {label} matches no reading (S3); ignored")
        elif len(kept) < len(out[row]):
            out[row] = kept
            used.append(label)
    return out, used, notes


# --- 表三 ----------------------------------------------------------------------------------------


def _vadd(a: tuple[int, ...], b: Cells) -> tuple[int, ...]:
    return tuple(x + int(y) for x, y in zip(a, b, strict=True))


@dataclass
class _Search:
    count: int = 0
    usage: dict[str, Counter[Cells]] = field(default_factory=dict)
    examples: list[dict[str, Cells]] = field(default_factory=list)
    aborted: bool = False


def _search(dom: dict[str, list[Cells]]) -> _Search:
    """Count the assignments satisfying I1 and I3, and which reading of each row they use.

    Forward DP over result rows on partial column sums, backward DP for usage counts."""
    out = _Search(usage={k: Counter() for k in dom})
    results = [k for k in RESULT_ROW_KEYS if k in dom]
    if any(not d for d in dom.values()):
        return out
    zero = (0,) * 7
    dn, dc, dt = dom["new_received"], dom["carried_over"], dom["total"]
    df = set(dom["carried_forward"])
    combos: list[tuple[Cells, Cells, Cells, Cells]] = []  # (n, c, f, t) with n + c = t + f
    for t in dt:
        for n in dn:
            for c in dc:
                f = tuple(int(x) + int(y) - int(z) for x, y, z in zip(n, c, t, strict=True))
                if f in df:
                    combos.append((n, c, f, t))
    w1 = Counter(t for *_, t in combos)
    bound = tuple(max(int(t[i]) for t in w1) for i in range(7)) if w1 else zero
    fwd: list[dict[tuple[int, ...], int]] = [{zero: 1}]
    for key in results:
        nxt: dict[tuple[int, ...], int] = {}
        for s, ways in fwd[-1].items():
            for v in dom[key]:
                s2 = _vadd(s, v)
                if all(x <= b for x, b in zip(s2, bound, strict=True)):
                    nxt[s2] = nxt.get(s2, 0) + ways
        if len(nxt) > STATE_LIMIT:
            out.aborted = True
            return out
        fwd.append(nxt)
    bwd: list[dict[tuple[int, ...], int]] = [{}] * len(fwd)
    bwd[-1] = {s: w1[s] for s in fwd[-1] if w1[s]}
    for i in range(len(results) - 1, -1, -1):
        bwd[i] = {s: sum(bwd[i + 1].get(_vadd(s, v), 0) for v in dom[results[i]]) for s in fwd[i]}
        for v in dom[results[i]]:
            used = sum(w * bwd[i + 1].get(_vadd(s, v), 0) for s, w in fwd[i].items())
            if used:
                out.usage[results[i]][v] += used
    ends = ("new_received", "carried_over", "carried_forward", "total")
    for combo in combos:
        ways = fwd[-1].get(tuple(map(int, combo[3])), 0)
        out.count += ways
        for key, v in zip(ends, combo):
            if ways:
                out.usage[key][v] += ways

    def back(i: int, s: tuple[int, ...]) -> Iterator[list[Cells]]:
        if i == 0:
            yield []
            return
        for v in dom[results[i - 1]]:
            prev = tuple(x - int(y) for x, y in zip(s, v, strict=True))
            if prev in fwd[i - 1]:
                for head in back(i - 1, prev):
                    yield [*head, v]

    for combo in combos:
        for seq in back(len(results), tuple(map(int, combo[3]))):
            if len(out.examples) >= SHOWN:
                return out
            out.examples.append({k: v for k, v in [*zip(ends, combo), *zip(results, seq)]})
    return out


def _read_app_row(value: str | Sequence[int]) -> RowReading:
    if isinstance(value, str):
        return _read(value, 1, 7)
    vals = tuple(value)
    if len(vals) != 7 or not all(isinstance(v, int) and v >= 0 for v in vals):
        return RowReading(repr(value), 0, Candidates(), False, "expected 7 non-negative ints")
    return RowReading(" ".join(map(str, vals)), 1, _collect(iter([vals]), 1, 1), sum(vals[:6]) == vals[6])


def _balanced_first(row: RowReading, usable: list[Cells]) -> tuple[Cells, ...]:
    """A row's readings for a reviewer: those that balance it first, then the rest of what the digits allow."""
    if not row.balanced or row.raw_count <= len(usable) or row.error:
        return tuple(usable or row.candidates)
    return tuple(dict.fromkeys([*usable, *split_candidates(row.run, 7, cap=SHOWN + len(usable))]))


def solve_applications(
    runs: Mapping[str, str | Sequence[int]], hints: Mapping[HintKey, int] | None = None
) -> Solution:
    """Read 表三 from per-row runs (or rows already split): I2 per row first, then I1/I3 per column.

    The 2019 template's missing rows (other_overdue_*) may be left out. Hints are cell values printed
    elsewhere in the same report (prose totals such as 本年度共收到70件申请): they are consulted only
    when the identities leave several readings, only as extra constraints, and every hint that
    narrowed a row is listed in ``hints_used``."""
    unknown = set(runs) - set(APPLICATION_ROW_KEYS)
    missing = set(APPLICATION_ROW_KEYS) - set(runs) - set(ROWS_ABSENT_IN_2019)
    if unknown or missing:
        raise ValueError(f"表三 rows: unknown {sorted(unknown)}, missing {sorted(missing)}")
    keys = [k for k in APPLICATION_ROW_KEYS if k in runs]
    rows = {k: _read_app_row(runs[k]) for k in keys}
    dom, fields = {k: rows[k].domain for k in keys}, {k: APPLICANT_KEYS for k in keys}
    notes = [f"{k}: {r.error}" for k, r in rows.items() if r.error]
    notes += [f"{k}: reads one way only but breaks I2" for k, r in rows.items() if r.domain and not r.balanced]
    found, used = _search(dom), []
    if (found.count > 1 or found.aborted) and hints:
        index = {(k, c): (k, i) for k in keys for i, c in enumerate(APPLICANT_KEYS)}
        narrowed, used, hint_notes = _apply_hints(dom, hints, APPLICATIONS, index)
        notes += hint_notes
        again = _search(narrowed) if used else found
        if again.count or again.aborted:
            found, dom = again, narrowed
        else:
            notes.append(f"hints {', '.join(used)} contradict every balanced reading; ignored")
            used = []
    truncated = any(r.balanced and r.candidates.truncated for r in rows.values())
    notes += ["some row has more readings than were enumerated"] if truncated else []
    notes += ["cross-row search too large"] if found.aborted else []
    single = {k: d[0] for k, d in dom.items() if len(d) == 1}
    cross: tuple[str, ...] = ()
    if found.count == 0 or found.aborted:
        values = single
        if not found.aborted and all(dom.values()):
            # Every row balances under some reading, yet no choice of them balances the columns: a row was
            # printed unbalanced and one of its other readings happens to balance it. I2 can no longer tell
            # which, so a row is kept only if its digits read one way at all.
            values = {k: v for k, v in single.items() if rows[k].raw_count == 1}
            notes.append("no reading satisfies I1/I3; rows that read several ways are left to a reviewer")
        elif not found.aborted:
            notes.append("some row has no usable reading")
        options = {k: _balanced_first(rows[k], dom[k]) for k in keys if k not in values}
    else:
        values = {k: next(iter(u)) for k, u in found.usage.items() if len(u) == 1}
        options = {k: tuple(c for c in dom[k] if found.usage[k][c]) for k in keys if k not in values}
        cross = tuple(k for k in keys if k in values and len(rows[k].domain) > 1)
    if found.count == 1 and not truncated:
        status: Status = "solved"
    elif found.count or found.aborted:
        status = "ambiguous"
    else:
        status = "inconsistent" if len(values) == len(keys) else "partial"
    if split := [k for k in keys if isinstance(runs[k], str) and k in values]:
        notes.insert(0, f"solved digit runs: rows {', '.join(split)}")
    if cross:
        notes.append(f"settled by cross-row identities I1/I3: rows {', '.join(cross)}")
    if used:
        notes.append(f"hints used (printed elsewhere in the report): {', '.join(used)}")
    examples = tuple(found.examples) if status == "ambiguous" else ()
    return Solution(status, APPLICATIONS, values, options, rows, examples, found.count, cross,
                    tuple(used), tuple(notes), fields)


# --- 表四 ----------------------------------------------------------------------------------------


def solve_review(run: str, hints: Mapping[HintKey, int] | None = None) -> Solution:
    """Read 表四's 15 cells from one run: three groups of five, each total = sum of four (I4).

    Without a balanced reading, the readings of the digits alone are shown (values: groups that read
    the same in all of them)."""
    keys = [r.key for r in REVIEW_ROWS]
    fields = {k: tuple(f.key for f in REVIEW_FIELDS) for k in keys}
    reading = _read(run, 3, 5)
    cands, used, notes = list(reading.candidates), [], [reading.error] if reading.error else []
    if reading.balanced and len(cands) > 1 and hints:
        index = {(k, f): (REVIEW, 5 * i + j) for i, k in enumerate(keys) for j, f in enumerate(fields[k])}
        narrowed, used, hint_notes = _apply_hints({REVIEW: cands}, hints, REVIEW, index)
        cands, notes = narrowed[REVIEW], notes + hint_notes
    groups = [{k: c[5 * i : 5 * i + 5] for i, k in enumerate(keys)} for c in cands]
    values = {k: groups[0][k] for k in keys if groups and len({g[k] for g in groups}) == 1}
    if reading.candidates.truncated:
        values = {}
    options = {k: tuple(dict.fromkeys(g[k] for g in groups)) for k in keys if k not in values}
    if reading.balanced:
        status: Status = "solved" if len(cands) == 1 and not reading.candidates.truncated else "ambiguous"
    else:
        status = "inconsistent" if reading.raw_count == 1 else "partial"
        notes.append("no reading satisfies I4")
    if values:
        notes.insert(0, f"solved digit runs: rows {', '.join(values)}")
    if used:
        notes.append(f"hints used (printed elsewhere in the report): {', '.join(used)}")
    shown = tuple(groups[:SHOWN]) if status != "solved" else ()
    count = 0 if not reading.balanced else len(cands) if used else reading.candidates.total
    return Solution(status, REVIEW, values, options, {REVIEW: reading}, shown, count, (), tuple(used),
                    tuple(notes), fields)


# --- 表二 ----------------------------------------------------------------------------------------


def _active_fields(key: str, n: int, template: Template | None) -> tuple[FieldSpec, ...]:
    """The fields of the 表二 row ``key`` that prints ``n`` cells (in the given template, else either)."""
    specs = {"2021": ACTIVE_ROWS_2021, "2019": ACTIVE_ROWS_2019}
    for name in (template,) if template else ("2021", "2019"):
        for row in specs[name]:
            if row.key == key and len(row.fields) == n:
                return row.fields
    raise ValueError(f"表二 has no row {key!r} with {n} cells")


def solve_active(rows: Mapping[str, tuple[str, int]], template: Template | None = None,
                 hints: Mapping[HintKey, int] | None = None) -> Solution:
    """Read 表二 runs. No identity binds 表二, so a row is settled only when it reads one way.

    Counts the report's prose states outright (``prose.find_active_hints``) only order a row's readings
    for the reviewer, those that fit first (``prose_fits`` names them): a prose number may count another
    scope (平潭 2023 states 393 in force, prints 470) and still fit the digits by chance, as often as 1 in
    1,000 rows when one of two stated counts is off (benchmarks/results-accuracy-flattened.md)."""
    values: dict[str, Cells] = {}
    options: dict[str, tuple[Cells, ...]] = {}
    readings: dict[str, RowReading] = {}
    fields: dict[str, tuple[str, ...]] = {}
    notes: list[str] = []
    fits: dict[str, tuple[str, ...]] = {}
    for key, (run, n) in rows.items():
        specs = _active_fields(key, n, template)
        kinds, fields[key] = tuple(f.kind for f in specs), tuple(f.key for f in specs)
        text = unicodedata.normalize("NFKC", run).strip()
        unit = _UNIT.fullmatch(text)
        if unit:
            text = unit.group(1)
            notes.append(f"{key}: unit {unit.group(2)!r} kept as a note")
        try:
            cands = split_cells(text, kinds)
        except ValueError as exc:
            cands = Candidates()
            notes.append(f"{key}: {exc}")
        readings[key] = RowReading(run, cands.total, cands, False)
        if cands.total == 1:
            values[key] = cands[0]
            continue
        index = {(key, f): (key, i) for i, f in enumerate(fields[key])}
        narrowed, row_used, hint_notes = _apply_hints({key: list(cands)}, hints or {}, ACTIVE, index)
        notes += hint_notes
        options[key] = tuple(dict.fromkeys([*narrowed[key], *cands]))
        if row_used:
            labels = {f.key: f.label for f in specs}
            stated = tuple(f"{labels[f]} {v}" for f, v in (u.split(".", 1)[1].split("=") for u in row_used))
            fits[key] = (*stated, f"{len(narrowed[key])} of {len(cands)} readings fit")
            notes.append(f"{key}: the prose states {', '.join(stated)}; {len(narrowed[key])} of the "
                         f"{len(cands)} readings of {run!r} fit, listed first for the reviewer")
    status: Status = "solved"
    if any(not o for o in options.values()):
        status = "partial"
    elif options:
        status = "ambiguous"
    if values:
        notes.insert(0, f"solved digit runs: rows {', '.join(values)}")
    return Solution(status, ACTIVE, values, options, readings, notes=tuple(notes), fields=fields, prose_fits=fits)
