"""The analysts' questions compile and run against the business-development marts only."""

from __future__ import annotations

import duckdb
import pytest

ANALYSES = [
    "orders_by_state_and_quarter",
]


@pytest.mark.parametrize("analysis", ANALYSES)
def test_analysis_compiles_and_runs_on_bizdev_only(handwritten_warehouse, analysis, tmp_path):
    project = handwritten_warehouse.copy(tmp_path)
    result = project.dbt("compile", "-s", analysis)
    assert result.returncode == 0, result.output[-2000:]
    compiled = next(project.target_path.rglob(f"{analysis}.sql")).read_text()
    referenced = {part.split(".")[1].strip('"') for part in compiled.split() if "." in part
                  and part.split(".")[0].strip('"').endswith("warehouse")}
    assert referenced == {"bizdev"}, referenced
    con = duckdb.connect(str(project.duckdb_path), read_only=True)
    try:
        con.execute(compiled).fetchall()
    finally:
        con.close()
