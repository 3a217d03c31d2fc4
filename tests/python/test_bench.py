"""The benchmark's helpers (privacy_warehouse.bench). No test here asserts a measured time."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import duckdb
import pytest

from privacy_warehouse import bench


def fake_report() -> dict:
    def scale(n: float, build: float, peak: int) -> dict:
        steps = {
            "floor": {"wall_s": 1.0 * n, "peak_rss_bytes": 10 * 2**20, "returncode": 0},
            "build": {"wall_s": build, "peak_rss_bytes": peak, "returncode": 0},
            "run": {"wall_s": build / 2, "peak_rss_bytes": peak, "returncode": 0},
            "direct": {"wall_s": build / 3, "peak_rss_bytes": peak, "returncode": 0},
            "incremental": {"wall_s": build / 20, "peak_rss_bytes": peak, "returncode": 0},
            "publish": {"wall_s": build / 4, "peak_rss_bytes": peak, "returncode": 0},
        }
        result = {"scale": n, "memory_limit": "2GB", "steps": steps,
                  "floor": {"seconds": 1.0 * n, "tables": {}},
                  "rows": {"booking.customers": 20 * n, "booking.orders": 200 * n},
                  "build_nodes": {"by_type": {"model": {"count": 2, "seconds": 3.0}},
                                  "top_models": [{"name": "stg_a", "seconds": 2.0}],
                                  "top_tests": [{"name": "not_null_<a>", "seconds": 0.5}]},
                  "incremental_day": {"day": "2026-07-01", "rows_added": {"web.page_views": 5},
                                      "incremental_models": []}}
        result["derived"] = bench.derive(result)
        return result

    scales = [scale(1.0, 20.0, 2**30), scale(10.0, 200.0, 4 * 2**30)]
    return {"date": "2026-11-25", "git_commit": "abc1234",
            "machine": {"cpu": "Test CPU <&>", "cores": 2, "ram_bytes": 8 * 2**30, "os": "Test OS",
                        "python": "3.11", "dbt-core": "1.11", "duckdb": "2.0.1",
                        "load_average_at_start": [1.0, 0.5, 0.2]},
            "settings": {"seed": 42, "as_of": "2026-06-30", "memory_limit": "2GB"},
            "scales": scales, "targets": bench.evaluate_targets(scales), "notes": ["a note"]}


def test_targets_are_judged_on_the_largest_scale():
    targets = {t["key"]: t for t in fake_report()["targets"]}
    assert targets["build_seconds"]["scale"] == 10.0
    assert targets["build_seconds"]["status"] == "miss"  # 200 s >= 180 s
    assert targets["peak_memory"]["status"] == "miss"  # 4 GiB >= 3 GiB
    assert targets["bounded_memory"]["status"] == "pass"
    assert targets["floor_multiple"]["status"] == "pass"  # 100 s / 10 s = 10 x < 40 x
    assert targets["overhead_share"]["status"] == "miss"  # (100 - 66.7) / 100 = 33 %
    assert targets["incremental_share"]["status"] == "pass"  # 5 %
    assert targets["publish_seconds"]["status"] == "pass"  # 50 s < 60 s
    assert targets["publish_peak_memory"]["status"] == "miss"  # 4 GiB >= 2 GiB


def test_a_target_not_measured_at_scale_10_falls_back_and_says_so():
    report = fake_report()
    big = report["scales"][1]
    for key in ("run", "direct", "incremental"):
        del big["steps"][key]
    big["derived"] = bench.derive(big)
    targets = {t["key"]: t for t in bench.evaluate_targets(report["scales"])}
    assert targets["build_seconds"]["scale"] == 10.0
    assert targets["overhead_share"]["scale"] == 1.0
    assert "not measured at scale 10" in targets["overhead_share"]["target"]
    assert targets["incremental_share"]["scale"] == 1.0
    del report["scales"][0]["steps"]["incremental"]
    report["scales"][0]["derived"] = bench.derive(report["scales"][0])
    targets = {t["key"]: t for t in bench.evaluate_targets(report["scales"])}
    assert targets["incremental_share"]["status"] == "n/a"


def test_markdown_has_every_target_the_steps_and_the_machine():
    report = fake_report()
    markdown = bench.render_markdown(report)
    for target in report["targets"]:
        assert target["target"] in markdown
    assert "| full `dbt build` (seeds, models, tests) | 20.0 s |" in markdown
    assert "`stg_a`" in markdown and "`not_null_<a>`" in markdown
    assert "Test CPU <&>" in markdown and "Test OS" in markdown
    assert "**miss**" in markdown and "**pass**" in markdown


def test_svg_is_well_formed_and_escapes_text():
    svg = bench.render_svg(fake_report())
    root = ET.fromstring(svg)  # raises on malformed XML
    assert root.tag.endswith("svg")
    assert svg.count("<polyline") == len(bench.CHART_SERIES)
    assert "scale 10" in svg


def test_dependency_order_puts_parents_first_and_skips_ephemeral():
    def model(name: str, parents: list[str], materialized: str = "table") -> dict:
        return {"resource_type": "model", "name": name, "config": {"materialized": materialized},
                "depends_on": {"nodes": [f"model.p.{p}" for p in parents] + ["seed.p.s"]}}

    manifest = {"nodes": {
        "model.p.c": model("c", ["b", "a"]),
        "model.p.a": model("a", []),
        "model.p.b": model("b", ["e"]),
        "model.p.e": model("e", ["a"], "ephemeral"),
        "seed.p.s": {"resource_type": "seed", "name": "s", "config": {}},
    }}
    assert [n["name"] for n in bench.models_in_dependency_order(manifest)] == ["a", "b", "c"]


def test_node_timings_prefer_the_execute_timing():
    run_results = {"elapsed_time": 3.0, "results": [
        {"unique_id": "model.p.slow", "status": "success", "execution_time": 9.0,
         "timing": [{"name": "compile", "started_at": "2026-01-01T00:00:00Z",
                     "completed_at": "2026-01-01T00:00:01Z"},
                    {"name": "execute", "started_at": "2026-01-01T00:00:01Z",
                     "completed_at": "2026-01-01T00:00:03.5Z"}]},
        {"unique_id": "test.p.t1.abc", "status": "pass", "execution_time": 0.25, "timing": []},
    ]}
    summary = bench.summarise_run(run_results)
    assert summary["top_models"][0]["seconds"] == 2.5
    assert summary["top_tests"][0]["name"] == "t1.abc"
    assert summary["by_type"]["test"] == {"count": 1, "seconds": 0.25}


def test_tree_rss_counts_a_grandchild(tmp_path):
    """A child that starts a grandchild holding ~60 MB: the tree's RSS includes it."""
    script = textwrap.dedent("""
        import subprocess, sys, time
        grandchild = subprocess.Popen([sys.executable, "-c",
            "import time; b = bytearray(60 * 2**20); b[::4096] = b'x' * len(b[::4096]); "
            "print('ready', flush=True); time.sleep(3600)"], stdout=subprocess.PIPE)
        grandchild.stdout.readline()
        print('ready', flush=True)
        time.sleep(3600)  # until the test kills it: alive however slow the test runs
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    try:
        assert child.stdout.readline().strip() == b"ready"
        tree = bench.process_tree(child.pid)
        assert len(tree) == 2 and tree[0] == child.pid
        assert bench.rss_bytes(tree[1]) > 50 * 2**20
        assert bench.tree_rss_bytes(child.pid) > bench.rss_bytes(tree[1])
    finally:
        for pid in reversed(bench.process_tree(child.pid)):
            subprocess.run(["kill", str(pid)], check=False)
        child.wait(timeout=10)


def test_run_measured_reports_exit_code_and_a_peak(tmp_path):
    step = bench.run_measured("tiny", [sys.executable, "-c", "import sys; sys.exit(3)"],
                              env={}, cwd=tmp_path, log_path=tmp_path / "tiny.log")
    assert step.returncode == 3
    assert step.peak_rss_bytes > 0  # at least the kernel's peak of the process


def write_zone(root: Path) -> Path:
    con = duckdb.connect()
    for system, table, sql in [
        ("booking", "orders", "select 'o' || i as order_id, i * 1.5 as amount, "
                              "timestamp '2026-01-01' + to_seconds(i) as ordered_at, i % 2 = 0 as b "
                              "from range(1000) t(i)"),
        ("web", "page_views", "select 'v' || i as event_id, date '2026-01-01' + i::int as d "
                              "from range(500) t(i)"),
    ]:
        folder = root / system / table
        folder.mkdir(parents=True)
        con.execute(f"copy ({sql}) to '{folder / 'part-0000.parquet'}' (format parquet)")
    con.close()
    (root / "_generator.json").write_text(json.dumps(
        {"scale": 1.0, "seed": 42, "as_of": "2026-06-30", "bad_rows": 0.0, "day_batches": {},
         "rows": {"booking.orders": 1000, "web.page_views": 500}}))
    return root


def test_floor_reads_every_table_and_column(tmp_path):
    zone = write_zone(tmp_path / "zone")
    floor = bench.measure_floor(zone, "1GB")
    assert floor["tables"]["booking.orders"]["rows"] == 1000
    assert floor["tables"]["booking.orders"]["columns"] == 4
    assert floor["tables"]["web.page_views"]["rows"] == 500


def test_floor_query_is_not_answered_from_statistics():
    sql = bench.floor_query(["x.parquet"], [("a", "VARCHAR"), ("t", "TIMESTAMP"), ("n", "BIGINT"),
                                            ("b", "BOOLEAN")])
    for function in ("min(", "max(", "count(\"", "hash("):
        assert function not in sql
    assert 'sum(strlen("a"))' in sql and 'sum(epoch("t"))' in sql and 'sum("n")' in sql


def test_zone_matches_only_the_same_scale_seed_as_of_and_days(tmp_path):
    zone = write_zone(tmp_path / "zone")
    assert bench.zone_matches(zone, 1, 42, "2026-06-30")
    assert not bench.zone_matches(zone, 10, 42, "2026-06-30")
    assert not bench.zone_matches(zone, 1, 7, "2026-06-30")
    assert not bench.zone_matches(zone, 1, 42, "2026-07-01")
    assert not bench.zone_matches(zone, 1, 42, "2026-06-30", day="2026-07-01")
    assert not bench.zone_matches(tmp_path / "missing", 1, 42, "2026-06-30")


def test_direct_run_swaps_tables_and_views_like_dbt(tmp_path, monkeypatch):
    """dbt's run SQL creates `<model>__dbt_tmp`; the direct run renames it over the old one."""
    monkeypatch.setenv("PSEUDONYMISATION_KEY",
                       "53fcdd43a887b3729ec8eee52741391d66b885571daa9e4ca2c005a07f3487dd")
    monkeypatch.delenv("PSEUDONYMISATION_KEY_FILE", raising=False)
    database = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(database))
    con.execute("create schema raw; create schema s; "
                "create view raw.src as select 1 as id union all select 2; "
                "create table s.a as select 0 as id; create view s.b as select 0 as id")
    con.close()
    target = tmp_path / "target"
    runs = target / "run" / "p" / "models"
    runs.mkdir(parents=True)
    (runs / "a.sql").write_text('create table "wh"."s"."a__dbt_tmp" as '
                                '(select id, sha256((select inner_pad from temp.main.pseudonym_hmac_pads '
                                'where purpose = \'marketing\') || encode(id::varchar)) as p from raw.src)')
    (runs / "b.sql").write_text('create view "wh"."s"."b__dbt_tmp" as (select id from s.a)')
    manifest = {"nodes": {
        f"model.p.{name}": {"resource_type": "model", "name": name, "schema": "s",
                            "unique_id": f"model.p.{name}",
                            "package_name": "p", "original_file_path": f"models/{name}.sql",
                            "config": {"materialized": kind},
                            "depends_on": {"nodes": parents}}
        for name, kind, parents in [("a", "table", []), ("b", "view", ["model.p.a"])]}}
    (target / "manifest.json").write_text(json.dumps(manifest))
    outcome = bench.run_direct(database, target, "1GB")
    assert outcome["models"] == 2 and outcome["raw_views"] == 1
    con = duckdb.connect(str(database), read_only=True)
    rows = con.execute("select id, length(p) from s.b join s.a using (id) order by id").fetchall()
    leftovers = con.execute("select count(*) from information_schema.tables "
                            "where table_name like '%dbt_tmp'").fetchall()[0][0]
    con.close()
    assert rows == [(1, 64), (2, 64)]
    assert leftovers == 0


@pytest.mark.parametrize("text,expected", [("1,10", [1.0, 10.0]), ("0.5", [0.5])])
def test_scales_option(text, expected):
    assert bench._scales(text) == expected


def test_the_direct_run_loads_the_pads_as_the_plugin_does():
    # Read, not imported: importing the plugin imports dbt (seconds).
    plugin = (Path(bench.__file__).parents[1] / "duckdb_plugin.py").read_text(encoding="utf-8")
    assert "load_pad_table(cursor, self._pads)" in plugin
