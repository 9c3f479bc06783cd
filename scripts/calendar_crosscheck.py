#!/usr/bin/env python3
"""Cross-check data/cn-statutory-calendar-2020-2026.csv against a second source.

The second source is the PyPI package `chinesecalendar` (import name
`chinese_calendar`), which encodes the State Council's yearly holiday notices.
It is a test-time check only, never a runtime dependency of zhuqi.

For every date from 2020-01-01 to 2026-12-31 it compares the package's
`is_workday` with the rule zhuqi applies to the bundled file: a day works when
it is a make-up working day (`workday` row), or when it is Monday-Friday and not
a `holiday` row. Mismatches are printed one per line; the last line is

    calendar cross-check: N days compared, M mismatches

and the exit status is 1 when M > 0 (2 when the inputs cannot be read).

Usage: pip install chinesecalendar && python3 scripts/calendar_crosscheck.py [CSV]
"""

import csv
import datetime
import pathlib
import sys

FIRST = datetime.date(2020, 1, 1)
LAST = datetime.date(2026, 12, 31)
DEFAULT_CSV = (
    pathlib.Path(__file__).resolve().parent.parent / "data" / "cn-statutory-calendar-2020-2026.csv"
)


def load(path):
    """Returns {date: (kind, name)} from the bundled CSV, refusing bad rows."""
    rows = {}
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != ["date", "kind", "name"]:
            raise ValueError(f"{path}: header must be date,kind,name, got {reader.fieldnames}")
        for line, row in enumerate(reader, start=2):
            day = datetime.date.fromisoformat(row["date"])
            kind = row["kind"]
            if kind not in ("holiday", "workday"):
                raise ValueError(f"{path}:{line}: kind must be holiday or workday, got {kind!r}")
            if day in rows:
                raise ValueError(f"{path}:{line}: {day} appears twice")
            rows[day] = (kind, row["name"])
    return rows


def ours_is_workday(rows, day):
    kind = rows.get(day, (None, None))[0]
    if kind == "workday":
        return True
    if kind == "holiday":
        return False
    return day.weekday() < 5


def main(argv):
    try:
        import chinese_calendar
    except ImportError:
        print("calendar cross-check: the package chinesecalendar is missing (pip install chinesecalendar)",
              file=sys.stderr)
        return 2
    path = pathlib.Path(argv[1]) if len(argv) > 1 else DEFAULT_CSV
    try:
        rows = load(path)
    except (OSError, ValueError) as e:
        print(f"calendar cross-check: cannot read {path}: {e}", file=sys.stderr)
        return 2

    outside = sorted(d for d in rows if not FIRST <= d <= LAST)
    for d in outside:
        print(f"{d}: outside {FIRST}..{LAST}")

    compared = 0
    mismatches = len(outside)
    day = FIRST
    while day <= LAST:
        ours = ours_is_workday(rows, day)
        theirs = chinese_calendar.is_workday(day)
        compared += 1
        if ours != theirs:
            mismatches += 1
            kind, name = rows.get(day, ("plain", ""))
            print(
                f"{day} ({day.strftime('%a')}): file says {'work' if ours else 'rest'} "
                f"({kind}{' ' + name if name else ''}), chinesecalendar says {'work' if theirs else 'rest'}"
            )
        day += datetime.timedelta(days=1)

    print(f"calendar cross-check: {compared} days compared, {mismatches} mismatches")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
