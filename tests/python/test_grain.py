"""Grain: every model declares what one row is and a test holds it to that (`unique_grain` in
tests/generic/, or `unique` on a column). A guard over the manifest requires it, together with
two layering rules of dbt-project-evaluator; a rule broken on purpose is excused once, with its
reason, in seeds/project/dbt_project_evaluator_exceptions.csv (mattermost-data-warehouse's
format), and an exception that excuses nothing fails too.

The guard is shown failing on planted faults in a copy of the build's manifest.
"""

from __future__ import annotations

import copy
import csv
import fnmatch
from pathlib import Path

from dbt_project_runner import PROJECT_ROOT
from privacy_warehouse.dbt_artifacts import MANIFEST, read_artifact

EXCEPTIONS = PROJECT_ROOT / "seeds" / "project" / "dbt_project_evaluator_exceptions.csv"
GRAIN_TESTS = {"unique_grain", "unique"}


def read_exceptions(path: Path = EXCEPTIONS) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def rule_rows(manifest: dict) -> list[tuple[str, dict]]:
    """(rule, row) for each model that breaks a rule, before exceptions; row holds the columns
    an exception may match (resource_name, parent, child)."""
    models = {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"}
    tested = {
        node.get("attached_node")
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test" and (node.get("test_metadata") or {}).get("name") in GRAIN_TESTS
    }
    found = []
    for uid, node in sorted(models.items()):
        name = node["name"]
        if uid not in tested:
            found.append(("fct_missing_primary_key_tests", {"resource_name": name}))
        parents = node["depends_on"]["nodes"]
        sources = [p for p in parents if p.startswith("source.")]
        parent_models = [p for p in parents if p.startswith("model.")]
        for source in sources:
            edge = {"parent": source.split(".", 2)[2], "child": name}
            if parent_models:
                found.append(("fct_direct_join_to_source", edge))
            if not node["original_file_path"].startswith("models/staging/"):
                found.append(("fct_marts_or_intermediate_dependent_on_source", edge))
        if name.startswith("stg_"):
            for parent in parent_models:
                if models[parent]["name"].startswith("stg_"):
                    found.append(("fct_staging_dependent_on_staging",
                                  {"parent": models[parent]["name"], "child": name}))
    return found


def _excused(rule: str, row: dict, exception: dict) -> bool:
    pattern = exception["id_to_exclude"].replace("%", "*")
    return (exception["fct_name"] == rule
            and fnmatch.fnmatchcase(row.get(exception["column_name"], ""), pattern))


def guard(manifest: dict, exceptions: list[dict]) -> list[str]:
    """Every broken rule not excused, and every exception that excuses nothing."""
    problems = []
    used = set()
    for rule, row in rule_rows(manifest):
        matching = [i for i, e in enumerate(exceptions) if _excused(rule, row, e)]
        used.update(matching)
        if not matching:
            problems.append(f"{rule}: {row}")
    for index, exception in enumerate(exceptions):
        if index not in used:
            problems.append("exception excuses nothing: "
                            f"{exception['fct_name']} {exception['id_to_exclude']}")
    return problems


def _manifest(project) -> dict:
    return read_artifact(project.target_path, MANIFEST)


def test_every_model_has_a_grain_test_and_the_layers_hold(handwritten_warehouse):
    manifest = _manifest(handwritten_warehouse)
    assert guard(manifest, read_exceptions()) == []
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    excused = {row["resource_name"] for rule, row in rule_rows(manifest)
               if rule == "fct_missing_primary_key_tests"}
    # Every model but the quarantine models, the rejected rows and the fail-closed rights readings.
    assert len(models) - len(excused) >= 61
    assert not {n for n in excused if not (n.startswith("base_") or n == "rejected_rows"
                                           or n.endswith("_fail_closed"))}


def test_the_guard_fails_on_a_model_without_a_grain_test(handwritten_warehouse):
    manifest = copy.deepcopy(_manifest(handwritten_warehouse))
    for uid, node in list(manifest["nodes"].items()):
        attached = node.get("attached_node") or ""
        if (node["resource_type"] == "test" and attached.endswith(".int_payments_invoiced")
                and node["test_metadata"]["name"] == "unique_grain"):
            del manifest["nodes"][uid]
    assert guard(manifest, read_exceptions()) == [
        "fct_missing_primary_key_tests: {'resource_name': 'int_payments_invoiced'}"]


def test_the_guard_fails_on_a_layer_broken_without_an_exception(handwritten_warehouse):
    manifest = copy.deepcopy(_manifest(handwritten_warehouse))
    node = next(n for n in manifest["nodes"].values() if n["name"] == "int_orders_closed")
    node["depends_on"]["nodes"].append("source.privacy_warehouse.booking.orders")
    assert guard(manifest, read_exceptions()) == [
        "fct_direct_join_to_source: {'parent': 'booking.orders', 'child': 'int_orders_closed'}",
        "fct_marts_or_intermediate_dependent_on_source: "
        "{'parent': 'booking.orders', 'child': 'int_orders_closed'}",
    ]


def test_an_exception_that_excuses_nothing_fails(handwritten_warehouse):
    exceptions = read_exceptions() + [{"fct_name": "fct_model_fanout", "column_name": "parent",
                                       "id_to_exclude": "stg_crm__leads", "comment": "stale"}]
    assert guard(_manifest(handwritten_warehouse), exceptions) == [
        "exception excuses nothing: fct_model_fanout stg_crm__leads"]
