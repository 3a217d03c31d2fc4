"""Peak memory of a process tree, from /proc, and running one step of the benchmark as a measured process."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from privacy_warehouse.bench.common import _shorten, say

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _children_map() -> dict[int, list[int]]:
    """parent pid -> child pids, from /proc/<pid>/stat of every process."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue  # it ended meanwhile
        # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
        fields = stat[stat.rfind(b")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def process_tree(root: int) -> list[int]:
    """`root` and all its descendants that are alive now."""
    children = _children_map()
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def rss_bytes(pid: int) -> int:
    """Resident set size of one process (0 if it has gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss_bytes(root: int) -> int:
    return sum(rss_bytes(pid) for pid in process_tree(root))


class TreeSampler:
    """Samples the summed RSS of a process tree in a thread; `peak` is the highest sum seen."""

    def __init__(self, root: int, interval: float = 0.1):
        self.root, self.interval = root, interval
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.root))
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class StepResult:
    name: str
    command: list[str]
    wall_s: float
    peak_rss_bytes: int
    returncode: int
    log: str | None = None
    extra: dict = field(default_factory=dict)
    # The machine's 1-minute load average when the step started and ended: the machine is shared,
    # and a figure means little without the load it was measured under.
    load_average: list[float] = field(default_factory=list)


def run_measured(name: str, command: list[str], env: dict[str, str], cwd: Path,
                 log_path: Path | None = None, interval: float = 0.1) -> StepResult:
    """Run `command`, its output to `log_path`; wall time and peak RSS of its process tree."""
    say(f"{name}: {' '.join(_shorten(c) for c in command)}")
    sink = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115
    load_at_start = round(os.getloadavg()[0], 2)
    try:
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT)
        with TreeSampler(proc.pid, interval) as sampler:
            _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    finally:
        if log_path:
            sink.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss (KiB) is the peak of the one largest process: a floor under the summed peak.
    peak = max(sampler.peak, usage.ru_maxrss * 1024)
    load = [load_at_start, round(os.getloadavg()[0], 2)]
    say(f"{name}: {wall:.1f} s, peak {peak / 1024**2:,.0f} MiB, exit {proc.returncode}, "
        f"load {load[0]:.1f} -> {load[1]:.1f}")
    return StepResult(name, command, round(wall, 3), peak, proc.returncode,
                      str(log_path) if log_path else None, load_average=load)
