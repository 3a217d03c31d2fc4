"""What every part of the benchmark shares: the project root, defaults, the log line, errors."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]


DEFAULT_AS_OF = "2026-06-30"


DEFAULT_MEMORY_LIMIT = "2GB"


TOP_N = 10


def say(line: str) -> None:
    print(f"[bench {dt.datetime.now().strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


def _shorten(part: str) -> str:
    return part.replace(str(PROJECT_ROOT) + "/", "")


def _scale_text(scale: float) -> str:
    return str(int(scale)) if float(scale).is_integer() else str(scale)


class BenchError(RuntimeError):
    pass


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
