"""Column frames: a table as a dict of equally long NumPy arrays, and the few helpers it needs.

The planner works on whole columns at once (no per-row Python), and DuckDB scans such a dict
directly when it is registered, so no DataFrame library is needed.
"""

from __future__ import annotations

import numpy as np

Frame = dict[str, np.ndarray]


def length(frame: Frame) -> int:
    return len(next(iter(frame.values()))) if frame else 0


def concat(*frames: Frame) -> Frame:
    """Rows of all frames, in order; every frame must have the first frame's columns."""
    frames = tuple(frame for frame in frames if frame)
    if not frames:
        return {}
    keys = list(frames[0])
    for frame in frames[1:]:
        if set(frame) != set(keys):
            raise ValueError(f"frames differ in columns: {sorted(set(frame) ^ set(keys))}")
    return {key: np.concatenate([frame[key] for frame in frames]) for key in keys}


def take(frame: Frame, index: np.ndarray) -> Frame:
    return {key: values[index] for key, values in frame.items()}


def from_records(records: list[dict], template: Frame) -> Frame:
    """A frame from a few hand-made rows, typed like `template` (missing keys: zero/False/-1)."""
    columns: Frame = {}
    for key, values in template.items():
        default = -1 if np.issubdtype(values.dtype, np.integer) else values.dtype.type(0)
        columns[key] = np.array([record.get(key, default) for record in records],
                                dtype=values.dtype)
    unknown = {key for record in records for key in record} - set(template)
    if unknown:
        raise KeyError(f"unknown columns {sorted(unknown)}")
    return columns


def uniform_between(rng: np.random.Generator, low: np.ndarray | int,
                    high: np.ndarray | int, size: int) -> np.ndarray:
    """Integers uniformly in [low, high] (int64 arrays or scalars; high >= low)."""
    low = np.asarray(low, dtype=np.int64)
    high = np.asarray(high, dtype=np.int64)
    span = np.maximum(high - low, 0).astype(np.float64) + 1.0
    return low + np.minimum((rng.random(size) * span).astype(np.int64), high - low)
