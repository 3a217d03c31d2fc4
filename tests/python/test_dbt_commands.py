"""dbt's everyday commands work on a new clone (issue 21, item 3).

A data engineer's first commands are often `dbt ls`, `dbt compile` and `dbt docs generate`, on a
warehouse that was never built and without a pseudonymisation key yet; `dbt show` follows once
the build has run. None of them may need the build first: no test or model may query the
warehouse at compile time for something only a build creates (the seeds, the raw views), and
the dbt-duckdb plugin asks for the key only for commands that run a model's SQL.

One copy of the project serves every step (each dbt command after the first reuses its partial
parse), so the whole costs a few dbt invocations.
"""

from __future__ import annotations

import shutil
import time

from dbt_project_runner import DbtProject


def test_everyday_commands_on_a_warehouse_never_built_then_show_after_the_build(
    handwritten_warehouse, tmp_path
):
    project: DbtProject = handwritten_warehouse.copy(tmp_path, copy_warehouse=False)
    assert not project.duckdb_path.exists()
    no_key = {"PSEUDONYMISATION_KEY": None, "PSEUDONYMISATION_KEY_FILE": str(tmp_path / "none")}
    for command in (["ls"], ["compile"], ["docs", "generate"]):
        started = time.monotonic()
        result = project.dbt(*command, env=no_key)
        print(f"dbt {' '.join(command)} on a warehouse never built: "
              f"{time.monotonic() - started:.1f} s")
        assert result.returncode == 0, (command, result.output[-3000:])
    assert (project.target_path / "index.html").is_file()
    assert (project.target_path / "catalog.json").is_file()
    compiled = project.target_path / "compiled" / "privacy_warehouse" / "tests" / "compliance"
    assert (compiled / "assert_purpose_models_carry_privacy_tests.sql").is_file()

    # Once built (here: the session's build copied in), `dbt show` runs a model's SQL, so it
    # gets the key; and it shows pseudonyms, not ids.
    shutil.copy2(handwritten_warehouse.duckdb_path, project.duckdb_path)
    shown = project.dbt("show", "--select", "dim_customers", "--limit", "5")
    assert shown.returncode == 0, shown.output[-3000:]
    assert "customer_key" in shown.output and "C-1" not in shown.output

    # The plugin skips the key only for commands that run no model's SQL: without the key,
    # `dbt show` stops as the build does, never computing a pseudonym without it.
    shown = project.dbt("show", "--select", "int_bizdev_pseudonym_keys", "--limit", "1",
                        env=no_key)
    assert shown.returncode != 0
    assert "No pseudonymisation key" in shown.output, shown.output[-3000:]
