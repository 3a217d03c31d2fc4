"""Gather what the compliance report shows, from dbt's artifacts, the seeds and the warehouse.

Everything is read, nothing assumed: purposes come from the seed policy_purposes.csv, their
models from the manifest (`config.meta.purpose`), test outcomes from run_results.json, numbers
from the working warehouse opened read-only. A compliance model that does not exist yet (say
`compliance.retention_forecast` in an older build) is shown as absent, not as an error.

Only aggregates and metadata leave the warehouse here: row counts, counts by reason, counts by
month. No query returns a record id or a value about a person.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from privacy_warehouse.dbt_artifacts import (
    node_access,
    node_by_name,
    node_meta,
    published_nodes,
    quoted_relation,
    relation_alias,
    table_name,
)
from privacy_warehouse.report import evidence

# What each privacy test guarantees, in words for a reader who does not read SQL.
TEST_DESCRIPTIONS = {
    "privacy_within_retention_window": "Every row is inside its retention window on as_of",
    "privacy_allowed_categories": "Only the data categories the purpose may use",
    "privacy_no_identifier_leaks": "No direct identifier, unkeyed hash or personal-data shape",
    "privacy_pseudonym_format": "Keys are keyed pseudonyms (HMAC-SHA256, 64 hex characters)",
    "privacy_k_anonymity": "No group or cell describes fewer than k people",
    "privacy_objections_honoured": "People who objected are left out",
    "privacy_consent_honoured": "Channels that need consent are used only with consent",
    "unique": "No duplicates in {column}",
    "not_null": "{column} is never empty",
    "relationships": "Every {column} refers to an existing row",
    "accepted_values": "{column} holds only the listed values",
}
STATUS_WORDS = {
    "pass": "passed", "success": "passed", "fail": "failed", "error": "error", "warn": "warned",
    "skipped": "skipped", "no-op": "passed", None: "not run",
}
LEAK_SCAN_TESTS = ("privacy_no_identifier_leaks", "privacy_pseudonym_format",
                   "privacy_k_anonymity")
# The register's sections in reading order: what is done, on what basis, how long, with what.
CLAUSE_ORDER = [
    "policy_purposes", "policy_legal_bases", "policy_retention_rules", "policy_categories",
    "policy_purpose_categories", "policy_consent_channels", "policy_objection_scopes",
    "policy_rejection_reasons",
]
RULE_WORDS = {
    "relationship_plus_months": "the customer relationship and {months} months after it ended",
    "obtained_plus_months": "{months} months from when the contact details were obtained",
    "event_plus_months": "{months} months from the event (e.g. the page view)",
    "bookkeeping_years_after_fiscal_year":
        "{years} years after the end of the calendar year in which the fiscal year ended",
    "legal_hold_extension": "longer while a legal hold is open (a legal claim)",
}


@dataclass
class TestInfo:
    unique_id: str
    name: str
    kind: str
    description: str
    column: str | None
    model_ids: list[str]
    status: str  # passed, failed, error, warned, skipped, not run
    failures: int | None
    is_unit_test: bool = False

    @property
    def ok(self) -> bool:
        return self.status == "passed"


@dataclass
class ModelInfo:
    unique_id: str
    name: str
    schema: str
    relation: str
    purpose: str | None
    access: str | None
    description: str
    materialized: str
    categories: set[str]
    retention_subjects: set[str]
    status: str
    row_count: int | None = None
    tests: list[TestInfo] = field(default_factory=list)

    @property
    def tests_ok(self) -> int:
        return sum(t.ok for t in self.tests)


@dataclass
class Clause:
    """One row of a register seed and what enforces it."""

    seed: str
    key: str
    heading: str | None
    wording: str | None
    fields: dict[str, str]
    models: list[ModelInfo]
    tests: list[TestInfo]
    read_by: list[str]
    extra: str | None = None

    @property
    def enforced(self) -> bool:
        return bool(self.tests) and all(t.ok for t in self.tests)


@dataclass
class PurposeInfo:
    row: dict[str, str]
    legal_basis: dict[str, str] | None
    dispute_basis: dict[str, str] | None
    rules: list[dict[str, str]]
    categories: list[tuple[dict[str, str], dict[str, str] | None]]
    objections: list[dict[str, str]]
    channels: list[dict[str, str]]
    models: list[ModelInfo]
    forecast: list[dict[str, Any]] | None
    erasure_count: int | None
    group_owner: str | None

    @property
    def key(self) -> str:
        return self.row["purpose"]

    @property
    def title(self) -> str:
        return self.row.get("display_name") or self.key

    @property
    def tests(self) -> list[TestInfo]:
        seen = {}
        for model in self.models:
            for test in model.tests:
                seen[test.unique_id] = test
        return list(seen.values())

    @property
    def leaving_next_12_months(self) -> int | None:
        if self.forecast is None:
            return None
        return sum(int(m["subjects_leaving"] or 0) for m in self.forecast)


@dataclass
class ReportData:
    run_id: str
    as_of: str
    command: str
    dbt_version: str
    built_at: str
    project_name: str
    k: int | None
    status_counts: dict[str, int]
    seeds: dict[str, list[dict[str, str]]]
    purposes: list[PurposeInfo]
    models: dict[str, ModelInfo]
    tests: list[TestInfo]
    clauses: dict[str, list[Clause]]
    warehouse_error: str | None
    forecast: list[dict[str, Any]] | None
    erasure: dict[str, Any] | None
    rejected: list[dict[str, Any]] | None
    # Rejected rows acted on all the same: rights rows honoured fail closed, bookkeeping kept.
    honoured: list[dict[str, Any]] | None
    reconciliation: list[dict[str, Any]] | None
    k_suppressions: list[dict[str, Any]] | None
    inventory: list[dict[str, Any]] | None
    validation: dict | None
    publication: dict | None
    attempt: dict | None
    groups: dict[str, str]
    published_tables: list[str]
    # column lineage of the purpose models (privacy_warehouse.lineage), set by build_report
    lineage: dict | None = None

    @property
    def build_ok(self) -> bool:
        bad = {"failed", "error", "warned", "skipped"}
        return not any(self.status_counts.get(s) for s in bad)

    def purpose(self, key: str) -> PurposeInfo | None:
        return next((p for p in self.purposes if p.key == key), None)


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def read_seeds(manifest: dict) -> dict[str, list[dict[str, str]]]:
    """Every seed of the project, as CSV rows, from the files the manifest points at."""
    seeds = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "seed":
            continue
        path = Path(node["root_path"]) / node["original_file_path"]
        try:
            with open(path, encoding="utf-8", newline="") as handle:
                seeds[node["name"]] = list(csv.DictReader(handle))
        except OSError:
            seeds[node["name"]] = []
    return dict(sorted(seeds.items()))


def _status(result: dict | None) -> str:
    return STATUS_WORDS.get(result["status"] if result else None, result and result["status"])


def _describe_test(node: dict) -> tuple[str, str, str | None]:
    """(kind, description in words, column) of a data test node."""
    metadata = node.get("test_metadata") or {}
    kind = metadata.get("name") or "singular"
    column = node.get("column_name") or (metadata.get("kwargs") or {}).get("column_name")
    template = TEST_DESCRIPTIONS.get(kind)
    if template:
        description = template.format(column=column or "the key")
    else:
        description = node["name"].replace("assert_", "").replace("_", " ").capitalize()
    return kind, description, column


def collect_tests(manifest: dict, results: dict[str, dict]) -> list[TestInfo]:
    tests = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        kind, description, column = _describe_test(node)
        result = results.get(node["unique_id"])
        model_ids = [n for n in node.get("depends_on", {}).get("nodes", [])
                     if n.startswith(("model.", "seed."))]
        if node.get("attached_node"):
            model_ids = [node["attached_node"]]
        tests.append(TestInfo(
            unique_id=node["unique_id"], name=node["name"], kind=kind,
            description=description, column=column, model_ids=model_ids,
            status=_status(result), failures=result.get("failures") if result else None,
        ))
    for unit in manifest.get("unit_tests", {}).values():
        result = results.get(unit["unique_id"])
        model_ids = [n for n in unit.get("depends_on", {}).get("nodes", [])
                     if n.startswith("model.")]
        tests.append(TestInfo(
            unique_id=unit["unique_id"], name=unit["name"], kind="unit_test",
            description="Unit test: " + (unit.get("description") or
                                         unit["name"].replace("_", " ")),
            column=None, model_ids=model_ids, status=_status(result),
            failures=result.get("failures") if result else None, is_unit_test=True,
        ))
    return sorted(tests, key=lambda t: (t.kind, t.name))


def collect_models(manifest: dict, results: dict[str, dict],
                   tests: list[TestInfo]) -> dict[str, ModelInfo]:
    models = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        meta = node_meta(node)
        subjects = set()
        for way in meta.get("retention") or []:
            subjects.add(way.get("subject_type") or way.get("record_type")
                         or ("anonymous" if way.get("anonymous") else "mixed"))
        models[node["unique_id"]] = ModelInfo(
            unique_id=node["unique_id"], name=node["name"], schema=node["schema"],
            relation=table_name(node),
            purpose=meta.get("purpose"),
            access=node_access(node),
            description=(node.get("description") or "").strip(),
            materialized=node["config"].get("materialized", ""),
            categories={(c.get("meta") or {}).get("category")
                        for c in node.get("columns", {}).values()} - {None},
            retention_subjects=subjects,
            status=_status(results.get(node["unique_id"])),
        )
    for test in tests:
        for model_id in test.model_ids:
            if model_id in models:
                models[model_id].tests.append(test)
    return models


class Warehouse:
    """Read-only aggregate queries of the working warehouse; absent tables give None."""

    def __init__(self, path: Path | None):
        self.error = None
        self.con = None
        if path is None or not Path(path).is_file():
            self.error = f"the warehouse {path} does not exist"
            return
        try:
            self.con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as error:
            self.error = f"the warehouse could not be opened read-only: {error}"

    def close(self) -> None:
        if self.con is not None:
            self.con.close()

    def has(self, schema: str, table: str) -> bool:
        if self.con is None:
            return False
        return bool(self.con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?", [schema, table]).fetchall()[0][0])

    def rows(self, sql: str, params: list | None = None) -> list[dict[str, Any]] | None:
        if self.con is None:
            return None
        try:
            cursor = self.con.execute(sql, params or [])
        except duckdb.Error:
            return None
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def count(self, relation: str) -> int | None:
        schema, table = relation.split(".", 1)
        if not self.has(schema, table):
            return None
        rows = self.rows(f'select count(*) as n from "{schema}"."{table}"')
        return rows[0]["n"] if rows else None


def _query_compliance(warehouse: Warehouse, manifest: dict) -> dict[str, Any]:
    """The compliance models' aggregates; each None when its model does not exist."""
    out: dict[str, Any] = {}

    def relation(name: str) -> str | None:
        node = node_by_name(manifest, name, ("model",))
        if node and warehouse.has(node["schema"], relation_alias(node)):
            return quoted_relation(node)
        return None

    forecast = relation("retention_forecast")
    out["forecast"] = warehouse.rows(
        f"select purpose, month_start, subjects_leaving, records_leaving from {forecast} "
        f"order by month_start, purpose") if forecast else None
    queue = relation("erasure_queue")
    out["erasure"] = None
    # The queue counts records per table and subject in record_count; an older build listed one
    # row per record.
    records = "count(*)"
    if queue and warehouse.rows(f"select record_count from {queue} limit 0") is not None:
        records = "cast(sum(record_count) as bigint)"
    if queue:
        by_action = warehouse.rows(
            f"select action, {records} as records, count(distinct subject_type || ':' || "
            f"subject_id) as subjects from {queue} group by action order by action")
        by_table = warehouse.rows(
            f"select source_table, action, {records} as records from {queue} "
            f"group by all order by source_table, action")
        total = warehouse.rows(f"select {records} as n from {queue}")
        out["erasure"] = {
            "records": total[0]["n"] if total else None,
            "by_action": by_action or [], "by_table": by_table or [], "relation": queue,
        }
    rejected = relation("rejected_rows")
    out["rejected"] = warehouse.rows(
        f"select source_table, reason, count(*) as rejected from {rejected} "
        f"group by source_table, reason order by source_table, reason") if rejected else None
    # Counts only, no record id: the ids of rights rows are direct identifiers. None for a
    # warehouse built before the columns existed (the query fails, rows() gives None).
    out["honoured"] = warehouse.rows(
        f"select source_table, reason, rejected_column, "
        f"case when is_honoured_fail_closed then honoured_as "
        f"else 'kept in legal.* (bookkeeping obligation)' end as acted_on_as, "
        f"count(*) as rejected from {rejected} "
        f"where is_honoured_fail_closed or is_kept_for_legal_obligation "
        f"group by all order by source_table, reason, rejected_column, acted_on_as"
    ) if rejected else None
    reconciliation = relation("landing_reconciliation")
    out["reconciliation"] = warehouse.rows(
        f"select * from {reconciliation} order by source_table") if reconciliation else None
    suppressions = relation("k_anonymity_suppressions")
    out["k_suppressions"] = warehouse.rows(
        f"select * from {suppressions} order by model_name") if suppressions else None
    inventory = relation("processing_inventory")
    out["inventory"] = warehouse.rows(
        f"select category, source_table, record_count, subject_count, first_record_on, "
        f"last_record_on from {inventory} order by category, source_table"
    ) if inventory else None
    out["_erasure_by_purpose"] = {}
    if queue:
        for row in warehouse.rows(
            f"select trim(purpose) as purpose, cast(sum(n) as bigint) as n from "
            f"(select unnest(string_split(expired_purposes, ',')) as purpose, "
            f"{'record_count' if records != 'count(*)' else '1'} as n from {queue}) group by 1"
        ) or []:
            out["_erasure_by_purpose"][row["purpose"]] = row["n"]
    return out


# --------------------------------------------------------------------------------------------
# Traceability: each clause of the register and what enforces it
# --------------------------------------------------------------------------------------------


def _tests_of_kind(models: list[ModelInfo], kinds: tuple[str, ...] | None) -> list[TestInfo]:
    found = {}
    for model in models:
        for test in model.tests:
            if kinds is None or test.kind in kinds:
                found[test.unique_id] = test
    return sorted(found.values(), key=lambda t: (t.kind, t.name))


def build_clauses(seeds: dict[str, list[dict]], models: dict[str, ModelInfo],
                  manifest: dict, counts: dict[str, Any]) -> dict[str, list[Clause]]:
    """For each policy seed row: the models it governs and the tests that enforce it."""
    by_purpose = defaultdict(list)
    for model in models.values():
        if model.purpose:
            by_purpose[model.purpose].append(model)
    purposes = {row["purpose"]: row for row in seeds.get("policy_purposes", [])}
    child_map = manifest.get("child_map", {})

    seed_ids = {n["name"]: uid for uid, n in manifest["nodes"].items()
                if n["resource_type"] == "seed"}

    def read_by(seed: str) -> list[str]:
        children = child_map.get(seed_ids.get(seed, ""), [])
        return sorted(c.split(".")[-1] for c in children if c.startswith("model."))

    def consent_models() -> list[ModelInfo]:
        return [m for m in models.values()
                if any(t.kind == "privacy_consent_honoured" for t in m.tests)]

    rejected_by_reason = Counter()
    for row in counts.get("rejected") or []:
        rejected_by_reason[row["reason"]] += row["rejected"]

    clauses: dict[str, list[Clause]] = {}
    ordered = sorted(seeds.items(), key=lambda item: (
        CLAUSE_ORDER.index(item[0]) if item[0] in CLAUSE_ORDER else len(CLAUSE_ORDER), item[0]))
    for seed, rows in ordered:
        if not seed.startswith("policy_"):
            continue
        readers = read_by(seed)
        out = []
        for row in rows:
            extra = None
            if seed == "policy_purposes":
                governed = by_purpose.get(row["purpose"], [])
                tests = _tests_of_kind(governed, None)
                key = row["purpose"]
            elif seed == "policy_legal_bases":
                basis = row["legal_basis"]
                using = [p for p, r in purposes.items()
                         if basis in (r.get("legal_basis"), r.get("legal_basis_in_dispute"))]
                governed = [m for p in using for m in by_purpose.get(p, [])]
                if basis == "consent":
                    governed = consent_models()
                    kinds = ("privacy_consent_honoured",)
                    using = [f"channel {c['channel']}"
                             for c in seeds.get("policy_consent_channels", [])
                             if c.get("legal_basis") == "consent"]
                elif basis in ("legitimate_interest", "public_interest"):
                    kinds = ("privacy_objections_honoured",)
                else:
                    kinds = ("privacy_within_retention_window", "privacy_allowed_categories")
                tests = _tests_of_kind(governed, kinds)
                key = basis
                extra = "Used by: " + (", ".join(using) or "nothing in this build")
            elif seed == "policy_retention_rules":
                governed = [m for m in by_purpose.get(row["purpose"], [])
                            if row["subject_type"] in m.retention_subjects
                            or "anonymous" in m.retention_subjects]
                tests = _tests_of_kind(governed, ("privacy_within_retention_window",))
                key = row["rule_id"]
                extra = rule_in_words(row)
            elif seed == "policy_categories":
                # The outputs (models of a purpose); staging and intermediate models are inputs.
                governed = [m for m in models.values()
                            if m.purpose and row["category"] in m.categories]
                kinds = ("privacy_allowed_categories",)
                if str(row.get("is_personal", "")).lower() == "true":
                    kinds += LEAK_SCAN_TESTS
                tests = _tests_of_kind(governed, kinds)
                key = row["category"]
            elif seed == "policy_purpose_categories":
                governed = [m for m in by_purpose.get(row["purpose"], [])
                            if row["category"] in m.categories]
                tests = _tests_of_kind(by_purpose.get(row["purpose"], []),
                                       ("privacy_allowed_categories",))
                key = f"{row['purpose']} / {row['category']}"
            elif seed == "policy_consent_channels":
                governed = consent_models() if row.get("needs_consent") == "true" else []
                tests = _tests_of_kind(governed, ("privacy_consent_honoured",))
                key = row["channel"]
                extra = ("needs consent" if row.get("needs_consent") == "true"
                         else "legitimate interest: no consent needed, objections apply")
            elif seed == "policy_objection_scopes":
                governed = by_purpose.get(row["closes_purpose"], [])
                tests = _tests_of_kind(governed, ("privacy_objections_honoured",))
                key = f"{row['scope']} → {row['closes_purpose']}"
            elif seed == "policy_rejection_reasons":
                governed = [m for m in models.values()
                            if m.name in ("rejected_rows", "landing_reconciliation")]
                tests = _tests_of_kind(governed, None)
                key = row["reason"]
                extra = f"{rejected_by_reason.get(row['reason'], 0)} rows rejected in this run"
            else:
                mentioned = row.get("purpose") or row.get("closes_purpose")
                governed = by_purpose.get(mentioned, []) if mentioned else []
                tests = _tests_of_kind(governed, None)
                key = next(iter(row.values()), "")
            out.append(Clause(
                seed=seed, key=key, heading=row.get("policy_heading"),
                wording=row.get("policy_wording") or row.get("description"),
                fields=row, models=sorted(governed, key=lambda m: m.relation),
                tests=tests, read_by=readers, extra=extra,
            ))
        clauses[seed] = out
    return clauses


def rule_in_words(rule: dict[str, str]) -> str:
    template = RULE_WORDS.get(rule.get("rule_kind", ""), rule.get("rule_kind", ""))
    return template.format(months=rule.get("months") or "?", years=rule.get("years") or "?")


# --------------------------------------------------------------------------------------------
# Everything
# --------------------------------------------------------------------------------------------


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def collect(run_results: dict, manifest: dict, warehouse_path: Path | None,
            run_folder: Path, k: int | None) -> ReportData:
    results = {r["unique_id"]: r for r in run_results.get("results", [])}
    tests = collect_tests(manifest, results)
    models = collect_models(manifest, results, tests)
    seeds = read_seeds(manifest)

    warehouse = Warehouse(warehouse_path)
    try:
        for model in models.values():
            if model.purpose and model.materialized != "ephemeral":
                model.row_count = warehouse.count(model.relation)
        counts = _query_compliance(warehouse, manifest)
    finally:
        warehouse.close()

    groups = {g["name"]: (g.get("owner") or {}).get("name") for g in
              manifest.get("groups", {}).values()}
    by_key = lambda name, column: {r[column]: r for r in seeds.get(name, [])}  # noqa: E731
    bases = by_key("policy_legal_bases", "legal_basis")
    categories = by_key("policy_categories", "category")
    purposes = []
    for row in seeds.get("policy_purposes", []):
        key = row["purpose"]
        forecast = counts["forecast"]
        purposes.append(PurposeInfo(
            row=row,
            legal_basis=bases.get(row.get("legal_basis")),
            dispute_basis=bases.get(row.get("legal_basis_in_dispute") or ""),
            rules=[r for r in seeds.get("policy_retention_rules", []) if r["purpose"] == key],
            # Personal categories only: non_personal is what is left after anonymisation.
            categories=[(pc, categories.get(pc["category"]))
                        for pc in seeds.get("policy_purpose_categories", [])
                        if pc["purpose"] == key and str(
                            (categories.get(pc["category"]) or {}).get("is_personal", "true")
                        ).lower() == "true"],
            objections=[o for o in seeds.get("policy_objection_scopes", [])
                        if o["closes_purpose"] == key],
            channels=(seeds.get("policy_consent_channels", [])
                      if key == "marketing" else []),
            models=sorted((m for m in models.values() if m.purpose == key),
                          key=lambda m: m.relation),
            forecast=[f for f in forecast if f["purpose"] == key] if forecast else None,
            erasure_count=(counts["_erasure_by_purpose"].get(key, 0)
                           if counts["erasure"] is not None else None),
            group_owner=groups.get(key),
        ))

    status_counts = Counter(_status(r) for r in results.values())
    metadata = run_results["metadata"]
    build_vars = (run_results.get("args") or {}).get("vars") or {}

    return ReportData(
        run_id=metadata["invocation_id"],
        as_of=str(build_vars.get("as_of") or metadata["invocation_started_at"][:10]),
        command=(run_results.get("args") or {}).get("which", "?"),
        dbt_version=metadata.get("dbt_version", "?"),
        built_at=metadata.get("generated_at", "?")[:19].replace("T", " ") + " UTC",
        project_name=manifest["metadata"].get("project_name", ""),
        k=k,
        status_counts=dict(status_counts),
        seeds=seeds,
        purposes=purposes,
        models=models,
        tests=tests,
        clauses=build_clauses(seeds, models, manifest, counts),
        warehouse_error=warehouse.error,
        forecast=counts["forecast"],
        erasure=counts["erasure"],
        rejected=counts["rejected"],
        honoured=counts.get("honoured"),
        reconciliation=counts["reconciliation"],
        k_suppressions=counts["k_suppressions"],
        inventory=counts["inventory"],
        validation=_read_json(run_folder / evidence.VALIDATION),
        publication=_read_json(run_folder / evidence.PUBLICATION),
        attempt=_read_json(run_folder / evidence.ATTEMPT),
        groups=groups,
        published_tables=[table_name(n) for n in published_nodes(manifest)],
    )
