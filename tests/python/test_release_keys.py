"""Pseudonyms drawn per release, and the gate across releases (issue 18, item 3).

On the session's hand-written warehouse: two releases of one build share no key, and inside a
release every key is the HMAC of the warehouse's pseudonym under the release's salt (so keys
join as they do in the warehouse); the salt is private. The gate is tried on planted
fingerprints, each rule shown refusing, on tables declared here (not the project's own, which
issue 18 retires and replaces). The two-release attack itself is test_release_attack.py.
"""

from __future__ import annotations

import json
import os
import re
import stat

import duckdb
import pytest

from privacy_warehouse import publish as wap
from privacy_warehouse import release_gate, release_keys
from test_publish import manifest_of, publish_into

HEX_KEY = re.compile(r"[0-9a-f]{64}")


def _published_rows(publish_dir, node) -> list[tuple]:
    path = publish_dir / "parquet" / node["schema"] / f"{node['name']}.parquet"
    return sorted(duckdb.sql(f"select * from read_parquet('{path}')").fetchall(), key=repr)


@pytest.fixture(scope="module")
def two_releases(handwritten_warehouse, tmp_path_factory):
    root = tmp_path_factory.mktemp("release_keys")
    first = publish_into(handwritten_warehouse, root / "a")
    second = publish_into(handwritten_warehouse, root / "b")
    return root, first, second


def test_two_releases_share_no_key_and_keys_join_as_in_the_warehouse(handwritten_warehouse,
                                                                     two_releases):
    root, first, second = two_releases
    nodes = wap.published_nodes(manifest_of(handwritten_warehouse))
    stable = {k for (k,) in handwritten_warehouse.query(
        "select pseudonym from private.int_bizdev_pseudonym_keys")}
    keyed = [n for n in nodes if release_keys.pseudonym_columns(n)]
    assert {n["name"] for n in keyed} == {"dim_customers", "fct_orders", "fct_web_sessions"}
    for node in keyed:
        column = release_keys.pseudonym_columns(node)[0]
        releases = []
        for folder in ("a", "b"):
            publish_dir = root / folder / "publish"
            salt = release_keys.ReleaseState.read(
                release_keys.target_folder(handwritten_warehouse.duckdb_path, publish_dir)
                / release_keys.CURRENT).salt
            rows = _published_rows(publish_dir, node)
            assert rows, f"{node['name']} is empty: the test would prove nothing"
            # The release is the warehouse's table, each key replaced by HMAC(salt, key)
            # (computed here in Python, in the publish in SQL).
            position = [c for c, *_ in handwritten_warehouse.query(
                f"describe bizdev.{node['name']}")].index(column)
            expected = sorted(
                (tuple(release_keys.release_key(salt, v) if i == position else v
                       for i, v in enumerate(row))
                 for row in handwritten_warehouse.query(f"select * from bizdev.{node['name']}")),
                key=repr)
            assert rows == expected, node["name"]
            keys = {row[position] for row in rows}
            assert all(HEX_KEY.fullmatch(k) for k in keys)  # the pseudonym format still holds
            assert not keys & stable
            releases.append(keys)
        assert not releases[0] & releases[1], node["name"]
    assert first["release_pseudonyms"]["columns"]["bizdev.fct_orders"] == ["order_key"]
    # Re-verification by the controller: every key resolves through the warehouse's map.
    publish_dir = root / "a" / "publish"
    state = release_keys.ReleaseState.read(release_keys.target_folder(
        handwritten_warehouse.duckdb_path, publish_dir) / release_keys.CURRENT)
    unmatched = release_keys.verify_release_keys(
        publish_dir / "analytics.duckdb", handwritten_warehouse.duckdb_path, nodes, state.salt)
    assert unmatched and set(unmatched.values()) == {0}


def test_the_salt_is_private_and_in_no_published_or_evidence_file(handwritten_warehouse,
                                                                  two_releases):
    root, first, _ = two_releases
    publish_dir = root / "a" / "publish"
    target = release_keys.target_folder(handwritten_warehouse.duckdb_path, publish_dir)
    assert not str(target.resolve()).startswith(str(publish_dir.resolve()))
    state = release_keys.ReleaseState.read(target / release_keys.CURRENT)
    assert state.run_id == first["run_id"]
    for path in [target, state.folder, *state.folder.iterdir()]:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
    salt_hex = state.salt.hex().encode()
    files = [p for p in (root / "a").rglob("*") if p.is_file()]
    assert len(files) > 5
    for path in files:
        content = path.read_bytes()
        assert salt_hex not in content and state.salt not in content, path
    assert "salt" not in json.dumps(first["release_pseudonyms"])


# --------------------------------------------------------------------------------------------
# The gate's rules, each shown refusing on a planted fingerprint
# --------------------------------------------------------------------------------------------

PLANTED_AGGREGATE = {
    "schema": "bizdev", "name": "planted_cells", "columns": {},
    "config": {"meta": {"k_anonymity": {"count_column": "customer_count",
                                        "unit_count_column": "order_count",
                                        "dimensions": ["month_of_year", "service"]}}},
}
PLANTED_MEANS = {"schema": "bizdev", "name": "planted_means", "columns": {},
                 "config": {"meta": {"k_anonymity": {"count_column": "customer_count"}}}}
PLANTED_ROWS = {
    "schema": "bizdev", "name": "planted_rows",
    "columns": {"row_key": {"meta": {"category": "pseudonym"}},
                "band": {"meta": {"category": "order"}}},
    "config": {"meta": {"k_anonymity": {"people": {"key_column": "row_key"}}}},
}
# (month_of_year, service, orders, customers, revenue): cell (6, express) loses one order of
# one customer on day two, and its revenue falls by exactly that order's price.
CELLS_DAY_ONE = [(6, "express", 12, 8, 4312.50), (6, "same_day", 20, 9, 9000.00),
                 (7, "express", 30, 14, 15000.00)]
CELLS_DAY_TWO = [(6, "express", 11, 7, 3881.00), (6, "same_day", 20, 9, 9000.00),
                 (7, "express", 37, 19, 17500.00)]
# (month, customers, responses, average score): one answer of one customer leaves.
MEANS_DAY_ONE = [("2026-06-01", 6, 6, 7.50)]
MEANS_DAY_TWO = [("2026-06-01", 5, 5, 8.40)]
ROWS_DAY_ONE = [("a", "band_250")] * 6 + [("b", "band_500")] * 5
ROWS_DAY_TWO = [("c", "band_250")] * 5 + [("d", "band_500")] * 5


def _fingerprint(path, cells, means, rows) -> None:
    con = duckdb.connect(str(path))
    con.execute("create table bizdev__planted_cells (month_of_year integer, service varchar, "
                "order_count bigint, customer_count bigint, revenue_sek decimal(16, 2))")
    con.executemany("insert into bizdev__planted_cells values (?, ?, ?, ?, ?)", cells)
    con.execute("create table bizdev__planted_means (response_month date, customer_count "
                "bigint, response_count bigint, average_score decimal(5, 2))")
    con.executemany("insert into bizdev__planted_means values (?, ?, ?, ?)", means)
    con.execute("create table source_rows (row_key varchar, band varchar)")
    con.executemany("insert into source_rows values (?, ?)", rows)
    con.execute("create table bizdev__planted_rows as "
                "select band, count(*) as published_rows from source_rows group by all")
    con.execute("drop table source_rows")
    con.close()


@pytest.fixture(scope="module")
def fingerprints(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fingerprints")
    day_one, day_two = folder / "one.duckdb", folder / "two.duckdb"
    _fingerprint(day_one, CELLS_DAY_ONE, MEANS_DAY_ONE, ROWS_DAY_ONE)
    _fingerprint(day_two, CELLS_DAY_TWO, MEANS_DAY_TWO, ROWS_DAY_TWO)
    return day_one, day_two


NODES = [PLANTED_AGGREGATE, PLANTED_MEANS, PLANTED_ROWS]


def test_the_gate_refuses_a_sum_and_a_mean_that_moved_by_one_person(fingerprints):
    day_one, day_two = fingerprints
    comparison = release_gate.compare_releases(day_one, day_two, NODES, 5, "run-1", "2026-06-30")
    tables = {t.table: t for t in comparison.tables}
    cells = tables["bizdev.planted_cells"]
    assert cells.refused and cells.cells_moved_by_fewer_than_k == 1
    assert cells.numbers_moved_by_fewer_than_k == ["revenue_sek"]
    assert cells.cells_changed == 2  # (7, express) moved by 5 customers: not refused
    means = tables["bizdev.planted_means"]
    assert means.refused and "average_score" in means.numbers_moved_by_fewer_than_k
    rows = tables["bizdev.planted_rows"]  # banded classes: reported, never refused
    assert not rows.refused and rows.cells_moved_by_fewer_than_k == 1
    problems = comparison.problems
    assert len(problems) == 2 and all("run-1" in p for p in problems)
    assert not any("4312" in p or "431.5" in p or "7.5" in p for p in problems)  # no value
    assert json.loads(json.dumps(comparison.as_json()))["refused_tables"] == 2


def test_the_gate_passes_an_unchanged_release_k_1_and_differential_privacy(fingerprints):
    day_one, day_two = fingerprints
    assert release_gate.compare_releases(day_one, day_one, NODES, 5).problems == []
    assert release_gate.compare_releases(day_one, day_two, NODES, 1).problems == []
    private = [{**node, "config": {"meta": {**node["config"]["meta"],
                                            "differential_privacy": {"unit": "customer"}}}}
               for node in NODES[:2]]
    comparison = release_gate.compare_releases(day_one, day_two, private, 5)
    assert comparison.problems == []
    assert {t.kind for t in comparison.tables} == {"differentially_private"}
    assert all(t.cells_moved_by_fewer_than_k for t in comparison.tables)  # still reported
