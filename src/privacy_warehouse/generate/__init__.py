"""`privacy-warehouse generate`: a synthetic landing zone in the contract's exact layout.

Scale 1 is about 20,000 customers, 200,000 orders and 2,000,000 page views over the ten years
before `--as-of`; every table scales linearly. The data exercises every rule of the register
(shared/policy/register.md): relationships that ended long ago, recently or are still open,
converted and unconverted leads, consent given and withdrawn, objections of every scope, legal
holds, invoices on both sides of the bookkeeping boundary, and a handful of rows planted exactly
on each window's edge (`_boundary_cases.csv`). `--bad-rows` adds rows with exactly one defect
each, listed with the reason the warehouse must give them (`_bad_rows.csv`). `--day` appends
one day's batch to an existing landing zone.

Modules: `plan` (NumPy: who, what, when), `boundary` (planted edge cases), `render` (DuckDB SQL
to the contract's columns), `bad_rows`, `zone` (writing a whole zone), `day` (daily batches),
`identity` (personnummer and organisation numbers), `vocabulary` (Swedish words), `contract`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

from .bad_rows import SPECS as _BAD_ROW_SPECS
from .bad_rows import applicable_kinds
from .day import append_day
from .identity import luhn_check_digit, organisation_number_is_valid, personnummer_is_valid
from .zone import generate_landing_zone, stderr_progress, today_utc

__all__ = ["add_parser", "run", "generate_landing_zone", "append_day", "luhn_check_digit",
           "personnummer_is_valid", "organisation_number_is_valid", "BAD_ROW_KINDS"]

# `system.table` -> [(reason code, what is changed)] of the bad rows planted in that table.
BAD_ROW_KINDS: dict[str, list[tuple[str, str]]] = {
    table: [(kind, "a copy of a good row" if kind == "duplicate_row"
             else "a new row with one defect") for kind in applicable_kinds(table)]
    for table in _BAD_ROW_SPECS
}


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from error


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "generate", help="write a synthetic landing zone (or append one day's batch)",
        description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path,
                        default=Path(os.environ.get("RAW_DATA_DIR", "data/raw")),
                        help="landing-zone root (default: $RAW_DATA_DIR or data/raw)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="1.0 = 20,000 customers, 200,000 orders, 2,000,000 page views")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--as-of", type=_day, default=None, dest="as_of",
                        help="last day of the generated history, YYYY-MM-DD (default: today, UTC)")
    parser.add_argument("--bad-rows", type=float, default=0.0, dest="bad_rows",
                        help="share of extra bad rows per table, e.g. 0.05 (default 0)")
    parser.add_argument("--day", type=_day, default=None,
                        help="append one day's batch (part-<day>.parquet) to an existing zone")
    parser.add_argument("--force", action="store_true",
                        help="overwrite an existing landing zone (or that day's batch)")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    try:
        if args.day is not None:
            rows = append_day(args.out, args.day, force=args.force, progress=stderr_progress)
        else:
            if not 0 <= args.bad_rows <= 1:
                raise ValueError("--bad-rows is a share between 0 and 1")
            if args.scale <= 0:
                raise ValueError("--scale must be positive")
            rows = generate_landing_zone(args.out, scale=args.scale, seed=args.seed,
                                         as_of=args.as_of or today_utc(),
                                         bad_rows=args.bad_rows, force=args.force,
                                         progress=stderr_progress)
    except (FileExistsError, FileNotFoundError, ValueError) as error:
        print(f"generate: {error}", file=sys.stderr)
        return 2
    print(f"Wrote {sum(rows.values()):,} rows in {len(rows)} tables to {args.out} "
          f"({time.perf_counter() - started:.1f} s)")
    return 0
