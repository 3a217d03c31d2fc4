"""Great Expectations, the second line of defence: validate a publication before it goes live.

dbt's privacy tests are the first line: they run inside the build, against the working
warehouse. This module checks the *published* file again, independently, after the copy and
before the swap (write–audit–publish): if the copy went wrong, or the warehouse was changed after
its audited build, the publication does not happen.

One expectation suite per published table (`bizdev.fct_orders`), validated against a pandas
DataFrame read from the new DuckDB file. Not GX's SQL data source: on DuckDB it fails every
expectation silently (see /work/shared/notes/engines.md), and a check that cannot fail is worse
than none. The suite, all read from the dbt manifest and dbt_project.yml, never from a list here:

* the columns are exactly the contracted ones, in the contracted order;
* the row count equals the working warehouse's (the copy is complete);
* no text value has a personal-data shape (var `personal_data_shapes`), except in pseudonym
  columns (column meta category `pseudonym`), which are hex and would match the digit shapes;
* pseudonym columns are 64 lowercase hex characters (an HMAC-SHA256);
* k-anonymity: a count column (model meta `k_anonymity.count_column`) is at least k everywhere.

Two checks need more than the table, so they validate a derived frame that holds only the
verdict per row (never a key or a value), each in a suite of its own:

* `<table>.k_anonymity`: the size of each row's quasi-identifier group (meta
  `quasi_identifiers`) is at least k (var `k_anonymity`);
* `<table>.retention_window`: every row is inside its window on as_of. Each way the model
  declares in meta `retention` (the same declaration dbt's `privacy_within_retention_window`
  reads) is resolved through the private key map (`int_bizdev_pseudonym_keys`) to a subject, and
  looked up in `compliance.retention_deadlines` of the working warehouse, opened read-only; a
  record-level window (`event_date_column`) is checked against the purpose's
  `event_plus_months` rule. Anonymous models (`{anonymous: true}`) hold no subject: their
  window is the k check above (register decision 8).

Results never hold personal data: `result_format` SUMMARY with `partial_unexpected_count: 0` and
no unexpected rows (GX otherwise copies the offending values into results and Data Docs, GX issue
8780), and the summary written for the report keeps counts only. Data Docs are built offline.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import yaml

from privacy_warehouse.dbt_artifacts import (
    node_by_name,
    node_meta,
    quoted_relation,
    table_name,
)
from privacy_warehouse.sql import quote_identifier

# GX sends usage statistics unless told not to; these machines are offline and evidence must not
# depend on the network. Set before great_expectations is imported (lazily, below).
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

# Counts only: no unexpected values, no unexpected rows, no index lists (GX issue 8780).
RESULT_FORMAT = {
    "result_format": "SUMMARY",
    "partial_unexpected_count": 0,
    "include_unexpected_rows": False,
    "return_unexpected_index_query": False,
}
PSEUDONYM_PATTERN = r"^[0-9a-f]{64}$"
TEXT_TYPES = ("VARCHAR", "TEXT", "STRING", "CHAR", "BPCHAR", "ENUM")
# Keys of a GX result the summary may keep: counts and table-level observations, never values.
SAFE_RESULT_KEYS = ("element_count", "unexpected_count", "unexpected_percent", "missing_count")


class ValidationError(RuntimeError):
    """The validation could not run (as opposed to: it ran and an expectation failed)."""


@dataclass
class ValidationSettings:
    """What the expectations are parameterised by: the project's vars and the build's as_of."""

    shapes: dict[str, str]
    k: int
    as_of: str

    @classmethod
    def from_project(cls, project_dir: Path, build_vars: dict, as_of: str) -> ValidationSettings:
        """Read `personal_data_shapes` and `k_anonymity` from dbt_project.yml; --vars win."""
        project = yaml.safe_load((Path(project_dir) / "dbt_project.yml").read_text("utf-8"))
        project_vars = {**(project.get("vars") or {}), **(build_vars or {})}
        shapes = project_vars.get("personal_data_shapes")
        if not shapes:
            raise ValidationError("dbt_project.yml declares no vars.personal_data_shapes")
        return cls(shapes=dict(shapes), k=int(project_vars.get("k_anonymity", 5)), as_of=as_of)


@dataclass
class ExpectationOutcome:
    """One expectation's verdict, as the report shows it: what was checked, and counts."""

    expectation: str
    column: str | None
    description: str
    success: bool
    counts: dict[str, Any] = field(default_factory=dict)


@dataclass
class SuiteOutcome:
    suite: str
    table: str
    success: bool
    evaluated: int
    failed: int
    expectations: list[ExpectationOutcome]


@dataclass
class ValidationReport:
    run_id: str
    as_of: str
    k: int
    success: bool
    suites: list[SuiteOutcome]
    data_docs: str | None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True, default=str)

    @property
    def failed_expectations(self) -> list[tuple[str, ExpectationOutcome]]:
        return [(s.suite, e) for s in self.suites for e in s.expectations if not e.success]


# --------------------------------------------------------------------------------------------
# What to expect, from the manifest
# --------------------------------------------------------------------------------------------


def contracted_columns(node: dict) -> list[str]:
    """The model's columns in the order its YAML declares them (dbt keeps that order)."""
    return list(node.get("columns", {}))


def pseudonym_columns(node: dict) -> set[str]:
    return {
        name for name, column in node.get("columns", {}).items()
        if (column.get("meta") or {}).get("category") == "pseudonym"
    }


def _warehouse_relation(manifest: dict, name: str) -> str:
    """A node of the working warehouse, attached read-only under its own database name."""
    node = node_by_name(manifest, name)
    if node is None:
        raise ValidationError(f"the manifest has no model or seed named {name!r}")
    return quoted_relation(node, with_database=True)


# --------------------------------------------------------------------------------------------
# Derived frames: a verdict per row, never a key
# --------------------------------------------------------------------------------------------


def _retention_window_sql(node: dict, manifest: dict, as_of: str) -> str | None:
    """SELECT way, within_window: one row per (published row, way that applies to it)."""
    meta = node_meta(node)
    purpose = meta.get("purpose")
    ways = [w for w in meta.get("retention") or [] if not w.get("anonymous")]
    if not purpose or not ways:
        return None
    published = f"pub.{quoted_relation(node)}"
    deadlines = _warehouse_relation(manifest, "retention_deadlines")
    rules = _warehouse_relation(manifest, "policy_retention_rules")
    selects = []
    for number, way in enumerate(ways, start=1):
        label = f"way {number}: " + ", ".join(f"{k}={v}" for k, v in sorted(way.items()))
        label_sql = "'" + label.replace("'", "''") + "'"
        if way.get("record_type") == "invoice":
            invoices = _warehouse_relation(manifest, "int_invoices_retention")
            selects.append(
                f"select {label_sql} as way, coalesce(w.within_window, false) as within_window "
                f"from {published} as m left join {invoices} as w "
                f"on cast(m.{quote_identifier(way['id_column'])} as varchar) = cast(w.invoice_id as varchar)"
            )
            continue
        if way.get("subject_type"):
            subject_type = "'" + str(way["subject_type"]).replace("'", "''") + "'"
        else:
            subject_type = f"cast(m.{quote_identifier(way['subject_type_column'])} as varchar)"
        if way.get("key_column"):
            key_map = _warehouse_relation(manifest, "int_bizdev_pseudonym_keys")
            join_subject = (
                f"left join {key_map} as km on km.purpose = '{purpose}' "
                f"and km.object_type = {subject_type} "
                f"and cast(m.{quote_identifier(way['key_column'])} as varchar) = km.pseudonym"
            )
            subject_id = "km.object_id"
        else:
            join_subject = ""
            subject_id = f"cast(m.{quote_identifier(way['id_column'])} as varchar)"
        event_check = "true"
        if way.get("event_date_column"):
            event = f"cast(m.{quote_identifier(way['event_date_column'])} as date)"
            event_check = (
                f"(r.months is not null and date '{as_of}' <= "
                f"cast({event} + to_months(cast(r.months as integer)) as date))"
            )
        selects.append(
            f"select {label_sql} as way, coalesce(d.within_window and {event_check}, false) "
            f"as within_window from {published} as m {join_subject} "
            f"left join {deadlines} as d on d.subject_type = {subject_type} "
            f"and d.subject_id = {subject_id} and d.purpose = '{purpose}' "
            f"left join {rules} as r on r.purpose = '{purpose}' "
            f"and r.subject_type = {subject_type} and r.rule_kind = 'event_plus_months' "
            # The way's own row filter is SQL from the model's meta, as dbt's test uses it.
            f"where {way.get('where', 'true')}"
        )
    return "\nunion all\n".join(selects)


def _k_anonymity_sql(node: dict) -> str | None:
    """SELECT group_size: per published row, how many rows share its quasi-identifiers."""
    quasi_identifiers = node_meta(node).get("quasi_identifiers")
    if not quasi_identifiers:
        return None
    published = f"pub.{quoted_relation(node)}"
    partition = ", ".join(quote_identifier(c) for c in quasi_identifiers)
    return f"select count(*) over (partition by {partition}) as group_size from {published}"


# --------------------------------------------------------------------------------------------
# Running Great Expectations
# --------------------------------------------------------------------------------------------


def _summarise(suite_name: str, table: str, result: Any) -> SuiteOutcome:
    """Keep what the report needs from a GX result: verdicts and counts, never values."""
    outcomes = []
    for item in result.results:
        config = item.expectation_config
        kwargs = dict(config.kwargs)
        raw = item.result or {}
        # Defence in depth: with RESULT_FORMAT these are empty; if GX ever fills them, refuse.
        if raw.get("partial_unexpected_list") or raw.get("unexpected_list"):
            raise ValidationError(f"GX returned unexpected values for {suite_name}; refusing")
        counts = {k: raw[k] for k in SAFE_RESULT_KEYS if k in raw}
        if config.type in ("expect_table_row_count_to_equal",
                           "expect_table_columns_to_match_ordered_list"):
            counts["observed_value"] = raw.get("observed_value")  # a count or column names
        if item.exception_info and item.exception_info.get("raised_exception"):
            counts["exception"] = "the expectation raised an error (see Data Docs)"
        outcomes.append(ExpectationOutcome(
            expectation=config.type,
            column=kwargs.get("column"),
            description=(config.meta or {}).get("description", ""),
            success=bool(item.success),
            counts=counts,
        ))
    failed = sum(not o.success for o in outcomes)
    return SuiteOutcome(suite=suite_name, table=table, success=failed == 0,
                        evaluated=len(outcomes), failed=failed, expectations=outcomes)


def _import_great_expectations():
    """Import GX without Spark Connect. With pyspark installed (for the Spark target) GX imports
    `pyspark.sql.connect`, and pyspark then *exits the process* (sys.exit(0), "Skipping doctests")
    when `__main__` has no file, as in a pytest-xdist worker or an embedded interpreter. We never
    validate Spark Connect frames: the module is hidden while GX is imported (GX records it as not
    installed) and visible again afterwards."""
    hide = "pyspark.sql.connect" not in sys.modules
    if hide:
        sys.modules["pyspark.sql.connect"] = None  # an import of it now raises ImportError
    try:
        import great_expectations as gx
    finally:
        if hide:
            sys.modules.pop("pyspark.sql.connect", None)
    return gx


class _Validator:
    """An ephemeral GX context whose Data Docs site is a folder of the evidence."""

    def __init__(self, docs_dir: Path | None, run_id: str):
        gx = _import_great_expectations()
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        # Progress bars would fill the publish log with noise.
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.docs_dir = docs_dir
        if docs_dir is not None:
            self.context.add_data_docs_site(
                site_name="evidence",
                site_config={
                    "class_name": "SiteBuilder",
                    "store_backend": {
                        "class_name": "TupleFilesystemStoreBackend",
                        "base_directory": str(docs_dir),
                    },
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                },
            )
        self.datasource = self.context.data_sources.add_pandas("publication")
        self.run_identifier = RunIdentifier(run_name=run_id)

    def validate(self, suite_name: str, table: str, frame, expectations: list) -> SuiteOutcome:
        gx = self.gx
        asset = self.datasource.add_dataframe_asset(name=suite_name)
        batch = asset.add_batch_definition_whole_dataframe("whole")
        # All expectations at once: adding them one by one rewrites the suite each time.
        suite = self.context.suites.add(
            gx.ExpectationSuite(name=suite_name, expectations=expectations))
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=suite_name, data=batch, suite=suite)
        )
        result = definition.run(
            batch_parameters={"dataframe": frame},
            result_format=RESULT_FORMAT,
            run_id=self.run_identifier,
        )
        return _summarise(suite_name, table, result)

    def build_docs(self) -> None:
        if self.docs_dir is not None:
            self.context.build_data_docs()


def _non_capturing(pattern: str) -> str:
    """The same regular expression with groups made non-capturing.

    GX tests regexes with pandas' str.contains, which warns on every capturing group.
    """
    return re.sub(r"(?<!\\)\((?!\?)", "(?:", pattern)


def _table_expectations(gx, node: dict, column_types: dict[str, str], row_count: int,
                        settings: ValidationSettings) -> list:
    """The suite of the published table itself."""
    E = gx.expectations
    columns = contracted_columns(node)
    pseudonyms = pseudonym_columns(node)
    expectations = [
        E.ExpectTableColumnsToMatchOrderedList(
            column_list=columns, meta={"description": "columns exactly as contracted, in order"}),
        E.ExpectTableRowCountToEqual(
            value=row_count, meta={"description": "as many rows as the audited warehouse table"}),
    ]
    for column in columns:
        if column in pseudonyms:
            expectations.append(E.ExpectColumnValuesToMatchRegex(
                column=column, regex=PSEUDONYM_PATTERN,
                meta={"description": "a keyed pseudonym: 64 lowercase hex characters"}))
            continue
        if not column_types.get(column, "").upper().startswith(TEXT_TYPES):
            continue
        # One expectation per column with every shape: a column is one line of the report,
        # and GX's per-expectation overhead dominates on small tables.
        expectations.append(E.ExpectColumnValuesToNotMatchRegexList(
            column=column, regex_list=[_non_capturing(s) for s in settings.shapes.values()],
            meta={"description": "no value shaped like personal data ("
                                 + ", ".join(settings.shapes) + ")"}))
    count_column = (node_meta(node).get("k_anonymity") or {}).get("count_column")
    if count_column:
        expectations.append(E.ExpectColumnValuesToBeBetween(
            column=count_column, min_value=settings.k,
            meta={"description": f"every cell counts at least k = {settings.k} people"}))
    return expectations


def validate_publication(
    published_path: Path,
    warehouse_path: Path,
    nodes: list[dict],
    manifest: dict,
    settings: ValidationSettings,
    run_id: str,
    docs_dir: Path | None = None,
) -> ValidationReport:
    """Validate every table of `nodes` in the published file; build Data Docs into docs_dir."""
    validator = _Validator(docs_dir, run_id)
    gx = validator.gx
    E = gx.expectations
    con = duckdb.connect()  # in memory; both files attached read-only
    try:
        con.execute(f"attach '{published_path}' as pub (read_only)")
        # Under its own name, as in the manifest, so that its views still resolve.
        warehouse = quote_identifier(nodes[0]["database"]) if nodes else "wh"
        con.execute(f"attach '{warehouse_path}' as {warehouse} (read_only)")
        suites = []
        for node in nodes:
            table = table_name(node)
            relation = quoted_relation(node)
            column_types = {
                row[0]: row[1]
                for row in con.execute(f"describe pub.{relation}").fetchall()
            }
            row_count = con.execute(
                f"select count(*) from {warehouse}.{relation}").fetchall()[0][0]
            frame = con.execute(f"select * from pub.{relation}").df()
            suites.append(validator.validate(
                table, table, frame,
                _table_expectations(gx, node, column_types, row_count, settings)))

            k_sql = _k_anonymity_sql(node)
            if k_sql:
                suites.append(validator.validate(
                    f"{table}.k_anonymity", table, con.execute(k_sql).df(),
                    [E.ExpectColumnValuesToBeBetween(
                        column="group_size", min_value=settings.k,
                        meta={"description": "every quasi-identifier group has at least "
                                             f"k = {settings.k} rows"})]))

            window_sql = _retention_window_sql(node, manifest, settings.as_of)
            if window_sql:
                suites.append(validator.validate(
                    f"{table}.retention_window", table, con.execute(window_sql).df(),
                    [E.ExpectColumnValuesToBeInSet(
                        column="within_window", value_set=[True],
                        meta={"description": "every row's subject is inside its window on "
                                             f"{settings.as_of}"})]))
    except duckdb.Error as error:
        raise ValidationError(f"could not read the publication or warehouse: {error}") from error
    finally:
        con.close()
    validator.build_docs()
    return ValidationReport(
        run_id=run_id, as_of=settings.as_of, k=settings.k,
        success=all(s.success for s in suites), suites=suites,
        data_docs=str(docs_dir) if docs_dir else None,
    )


def redact(text: str | None, shapes: dict[str, str]) -> str | None:
    """Replace anything with a personal-data shape in a message by `[redacted]`."""
    if not text:
        return text
    for shape in shapes.values():
        core = shape.removeprefix(".*").removesuffix(".*")
        text = re.sub(core, "[redacted]", text)
    return text
