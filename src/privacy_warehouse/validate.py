"""Great Expectations, the second line of defence: validate a publication before it goes live.

dbt's privacy tests are the first line: they run inside the build, against the working
warehouse. This module checks the *published* file, as analysts will see it, after the copy and
before the swap (write–audit–publish): if the copy went wrong, or the warehouse was changed after
its audited build, the publication does not happen. It checks what dbt cannot see: the file.

**In the engine.** Great Expectations runs on its SQL execution engine over the new DuckDB file
(SQLAlchemy + duckdb-engine), not on pandas: no table is read into Python, memory stays under
DuckDB's `memory_limit` (env DUCKDB_MEMORY_LIMIT, as the dbt profile), and every regular
expression runs in DuckDB's RE2, in linear time: a 1,000,000-character value is checked in
milliseconds (Python's backtracking `re` took minutes on 4,000). Two things make that route work
(both in `_duckdb_classes`, see /work/shared/notes/engines.md): GX closes its connection after
each query, and duckdb-engine then returns no rows, so every metric fails with an IndexError;
our engine keeps one connection open. And GX knows no regular expressions for the `duckdb`
dialect; duckdb-engine's dialect *is* PostgreSQL's, and so are DuckDB's `~` / `!~` (a search,
as PostgreSQL's), so the engine names PostgreSQL's dialect module for them. A metric GX cannot
compute, or a column expectation that saw fewer rows than the table has, stops the validation
(ValidationError): it can never pass, nor fail, silently.

**What is expected** (all read from the dbt manifest and dbt_project.yml, never a list here):

* `<table>`: the columns are exactly the contracted ones, in the contracted order; the row count
  equals the working warehouse's (the copy is complete); no value of any text column has a
  personal-data shape (var `personal_data_shapes`, searched anywhere in the value, across line
  breaks), except pseudonym columns (column meta category `pseudonym`), which must instead be 64
  lowercase hex characters (they would match the digit shapes, and a pseudonym column is the one
  place a value could otherwise hide); k: every quasi-identifier class (model meta
  `quasi_identifiers`) has at least var `k_anonymity` rows, and an aggregate's count column
  (meta `k_anonymity.count_column`) is at least k everywhere;
* `publication.columns`: every column's type in the file is the one its contract declares
  (`data_type`, compared as DuckDB spells it), one expectation per table in one suite (GX's
  cost is per suite, not per expectation).

**Retention, written once.** Whether a row is inside its retention window is dbt's generic test
`privacy_within_retention_window`; validation does not write it again. It re-runs the SQL that
test compiled to in this build (the manifest's `compiled_code`) with the model's relation
replaced by the published table, the working warehouse attached read-only for the windows
(`<table>.retention_window`). A published model without that compiled test refuses.

Suites that merely repeated dbt tests on the same rows are gone: what is left is about the file.

Results never hold personal data: `result_format` SUMMARY with `partial_unexpected_count: 0` and
no unexpected rows (GX otherwise copies the offending values into results and Data Docs, GX issue
8780); the k check selects group sizes only; the retention check keeps its counts and reasons,
not its example keys. The summary written for the report keeps counts only. Data Docs are built
offline.
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from privacy_warehouse import risk
from privacy_warehouse.dbt_artifacts import (
    node_meta,
    quoted_relation,
    relation_alias,
    table_name,
)
from privacy_warehouse.personal_data import (
    DOT_MATCHES_NEWLINE,
    ProjectVarsError,
    k_anonymity,
    personal_data_shapes,
    project_vars,
    redact,
)
from privacy_warehouse.sql import quote_identifier, quote_literal

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
TEXT_TYPES = ("VARCHAR",)
# Keys of a GX result the summary may keep: counts and table-level observations, never values.
SAFE_RESULT_KEYS = ("element_count", "unexpected_count", "unexpected_percent", "missing_count")
RETENTION_TEST = "privacy_within_retention_window"
DEFAULT_MEMORY_LIMIT = "2GB"


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
        """The shapes and k of dbt_project.yml (privacy_warehouse.personal_data); --vars win."""
        variables = project_vars(project_dir, build_vars)
        try:
            shapes = personal_data_shapes(variables)
        except ProjectVarsError as error:
            raise ValidationError(str(error)) from None
        return cls(shapes=shapes, k=k_anonymity(variables), as_of=as_of)


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


def declared_types(node: dict) -> dict[str, str | None]:
    """Column -> the contract's `data_type` (None where the YAML declares none)."""
    return {name: column.get("data_type") for name, column in node.get("columns", {}).items()}


def _memory_limit() -> str:
    return os.environ.get("DUCKDB_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT


def retention_tests(manifest: dict, node: dict) -> list[dict]:
    """The build's `privacy_within_retention_window` tests on `node`."""
    return [
        test for test in manifest["nodes"].values()
        if test["resource_type"] == "test"
        and (test.get("test_metadata") or {}).get("name") == RETENTION_TEST
        and test.get("attached_node") == node["unique_id"]
    ]


# --------------------------------------------------------------------------------------------
# Plain DuckDB: what GX is parameterised by, and dbt's retention test re-run on the file
# --------------------------------------------------------------------------------------------


@dataclass
class _TableFacts:
    row_count: int  # in the published file
    warehouse_row_count: int
    column_types: dict[str, str]  # as the published file has them
    expected_types: dict[str, str | None]  # the contract's, as DuckDB spells them


def _canonical_type(con: duckdb.DuckDBPyConnection, declared: str | None) -> str | None:
    """`decimal(12,2)` -> `DECIMAL(12,2)`, `int` -> `INTEGER`: DuckDB's own spelling."""
    if not declared:
        return None
    try:
        return con.execute(f"select typeof(cast(null as {declared}))").fetchall()[0][0]
    except duckdb.Error:
        return declared.upper()  # not a DuckDB type: it cannot equal one, and so fails


def _retention_outcome(con: duckdb.DuckDBPyConnection, node: dict, manifest: dict,
                       published: str) -> SuiteOutcome:
    """Re-run the build's compiled retention test with the model replaced by the published
    table. Counts and reasons only: the test's example keys stay out of the evidence."""
    table = table_name(node)
    tests = retention_tests(manifest, node)
    if not tests:
        raise ValidationError(f"{table} has no {RETENTION_TEST} test in this build")
    outcomes = []
    for test in tests:
        code = test.get("compiled_code")
        if not code:
            raise ValidationError(f"{table}: {RETENTION_TEST} was not compiled in this build")
        sql = code.replace(node["relation_name"], published)
        rows = con.execute(f"select violation, violating_rows from ({sql}) as verdict").fetchall()
        violating = sum(int(count) for _, count in rows)
        outcomes.append(ExpectationOutcome(
            expectation=RETENTION_TEST,
            column=None,
            description="every row's subject (or record) is inside its retention window on "
                        "as_of: dbt's test, re-run on the published rows",
            success=not rows,
            counts={"unexpected_count": violating,
                    "by_reason": {str(reason): int(count) for reason, count in rows}},
        ))
    failed = sum(not o.success for o in outcomes)
    return SuiteOutcome(suite=f"{table}.retention_window", table=table, success=failed == 0,
                        evaluated=len(outcomes), failed=failed, expectations=outcomes)


def _read_facts(published_path: Path, warehouse_path: Path, nodes: list[dict],
                manifest: dict) -> tuple[dict[str, _TableFacts], list[SuiteOutcome]]:
    """One in-memory DuckDB with both files attached read-only."""
    facts: dict[str, _TableFacts] = {}
    retention: list[SuiteOutcome] = []
    con = duckdb.connect(config={"memory_limit": _memory_limit()})
    try:
        con.execute(f"attach {quote_literal(str(published_path))} as pub (read_only)")
        # Under its own name, as in the manifest, so that its views and dbt's SQL resolve.
        warehouse = quote_identifier(nodes[0]["database"]) if nodes else "wh"
        con.execute(f"attach {quote_literal(str(warehouse_path))} as {warehouse} (read_only)")
        for node in nodes:
            relation = quoted_relation(node)
            facts[node["unique_id"]] = _TableFacts(
                row_count=con.execute(f"select count(*) from pub.{relation}").fetchall()[0][0],
                warehouse_row_count=con.execute(
                    f"select count(*) from {warehouse}.{relation}").fetchall()[0][0],
                column_types={name: kind for name, kind, *_ in
                              con.execute(f"describe pub.{relation}").fetchall()},
                expected_types={name: _canonical_type(con, declared)
                                for name, declared in declared_types(node).items()},
            )
            retention.append(_retention_outcome(con, node, manifest, f"pub.{relation}"))
    except duckdb.Error as error:
        raise ValidationError(f"could not read the publication or warehouse: {error}") from error
    finally:
        con.close()
    return facts, retention


# --------------------------------------------------------------------------------------------
# Great Expectations on DuckDB's SQL engine
# --------------------------------------------------------------------------------------------


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


_DUCKDB_DATASOURCE = None


def _duckdb_classes():
    """GX's SQL data source and engine, fitted to DuckDB (once per process: GX registers a data
    source type by its name)."""
    global _DUCKDB_DATASOURCE
    if _DUCKDB_DATASOURCE is not None:
        return _DUCKDB_DATASOURCE
    from typing import ClassVar, Literal

    import sqlalchemy.dialects.postgresql as postgresql_dialect
    from great_expectations.datasource.fluent import SQLDatasource
    from great_expectations.execution_engine import SqlAlchemyExecutionEngine

    class DuckDBExecutionEngine(SqlAlchemyExecutionEngine):
        """GX's SQL engine on one DuckDB connection, kept open until `close`."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # GX picks a regex operator by dialect module and has none for duckdb. DuckDB's
            # `~` and `!~` are PostgreSQL's (a search, RE2), as is duckdb-engine's dialect.
            self.dialect_module = postgresql_dialect

        @contextmanager
        def get_connection(self):
            # GX closes a connection after each query; duckdb-engine then returns no rows and
            # every metric fails with an IndexError (engines.md). One connection, kept open.
            if self._connection is None or self._connection.closed:
                self._connection = self.engine.connect()
            yield self._connection

        def close(self) -> None:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
            self.engine.dispose()

    class PublishedDuckDB(SQLDatasource):
        """A published DuckDB file, read-only, through DuckDBExecutionEngine."""

        type: Literal["published_duckdb"] = "published_duckdb"
        execution_engine_override: ClassVar = DuckDBExecutionEngine

    _DUCKDB_DATASOURCE = PublishedDuckDB
    return PublishedDuckDB


def _exception_messages(info: Any) -> list[str]:
    """Every raised exception's message in a GX result's exception_info (flat or per metric)."""
    if not isinstance(info, dict):
        return []
    if info.get("raised_exception"):
        return [str(info.get("exception_message") or "an exception")]
    return [m for value in info.values() if isinstance(value, dict)
            for m in _exception_messages(value)]


def _summarise(suite_name: str, table: str, result: Any, row_count: int,
               shapes: dict[str, str]) -> SuiteOutcome:
    """Keep what the report needs from a GX result: verdicts and counts, never values.

    Fails closed: an expectation GX could not compute, or a column expectation that saw another
    number of rows than the table has (the silent IndexError route), is a ValidationError."""
    outcomes = []
    for item in result.results:
        config = item.expectation_config
        kwargs = dict(config.kwargs)
        raw = item.result or {}
        errors = _exception_messages(item.exception_info)
        if errors:
            raise ValidationError(f"{suite_name}: GX could not evaluate {config.type}"
                                  + (f" on {kwargs['column']}" if kwargs.get("column") else "")
                                  + ": " + (redact(errors[0], shapes) or "")[:300])
        # Defence in depth: with RESULT_FORMAT these are empty; if GX ever fills them, refuse.
        if raw.get("partial_unexpected_list") or raw.get("unexpected_list") or raw.get("details",
                                                                                         {}).get(
                "unexpected_rows"):
            raise ValidationError(f"GX returned unexpected values for {suite_name}; refusing")
        if "element_count" in raw and raw["element_count"] != row_count:
            raise ValidationError(
                f"{suite_name}: {config.type} saw {raw['element_count']} of {row_count} rows")
        counts = {k: raw[k] for k in SAFE_RESULT_KEYS if k in raw}
        if config.type in ("expect_table_row_count_to_equal",
                           "expect_table_columns_to_match_ordered_list"):
            counts["observed_value"] = raw.get("observed_value")  # a count or column names
        if config.type == "unexpected_rows_expectation":
            counts["unexpected_count"] = raw.get("observed_value")  # rows the query returned
        outcomes.append(ExpectationOutcome(
            expectation=config.type,
            column=kwargs.get("column"),
            description=(config.meta or {}).get("description", ""),
            success=bool(item.success),
            counts=counts,
        ))
    if not outcomes:
        raise ValidationError(f"{suite_name}: GX returned no results")
    failed = sum(not o.success for o in outcomes)
    return SuiteOutcome(suite=suite_name, table=table, success=failed == 0,
                        evaluated=len(outcomes), failed=failed, expectations=outcomes)


class _Validator:
    """An ephemeral GX context on the published file; its Data Docs site is in the evidence."""

    def __init__(self, published_path: Path, docs_dir: Path | None, run_id: str,
                 shapes: dict[str, str]):
        gx = _import_great_expectations()
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx = gx
        self.shapes = shapes
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
        _duckdb_classes()  # registers add_published_duckdb
        self.datasource = self.context.data_sources.add_published_duckdb(
            name="publication",
            connection_string=f"duckdb:///{Path(published_path).resolve()}",
            kwargs={"connect_args": {"read_only": True,
                                     "config": {"memory_limit": _memory_limit()}}},
        )
        self.run_identifier = RunIdentifier(run_name=run_id)

    def validate(self, suite_name: str, table: str, query: str, expectations: list,
                 row_count: int) -> SuiteOutcome:
        gx = self.gx
        asset = self.datasource.add_query_asset(name=suite_name, query=query)
        batch = asset.add_batch_definition_whole_table("whole")
        # All expectations at once: adding them one by one rewrites the suite each time.
        suite = self.context.suites.add(
            gx.ExpectationSuite(name=suite_name, expectations=expectations))
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=suite_name, data=batch, suite=suite))
        result = definition.run(result_format=RESULT_FORMAT, run_id=self.run_identifier)
        return _summarise(suite_name, table, result, row_count, self.shapes)

    def close(self) -> None:
        engine = self.datasource.get_execution_engine()
        engine.close()

    def build_docs(self) -> None:
        if self.docs_dir is not None:
            self.context.build_data_docs()


def _table_expectations(gx, node: dict, facts: _TableFacts,
                        settings: ValidationSettings) -> list:
    """The suite of the published table itself: its columns, its shapes, its k."""
    E = gx.expectations
    columns = contracted_columns(node)
    pseudonyms = pseudonym_columns(node)
    meta = node_meta(node)
    expectations = [
        E.ExpectTableColumnsToMatchOrderedList(
            column_list=columns, meta={"description": "columns exactly as contracted, in order"}),
        E.ExpectTableRowCountToEqual(
            value=facts.warehouse_row_count,
            meta={"description": "as many rows as the audited warehouse table"}),
    ]
    shapes = [DOT_MATCHES_NEWLINE + shape for shape in settings.shapes.values()]
    for column, kind in facts.column_types.items():
        if column in pseudonyms:
            expectations.append(E.ExpectColumnValuesToMatchRegex(
                column=column, regex=PSEUDONYM_PATTERN,
                meta={"description": "a keyed pseudonym: 64 lowercase hex characters"}))
        elif kind.upper().startswith(TEXT_TYPES):
            # Every text column of the file, declared or not; one expectation with every shape.
            expectations.append(E.ExpectColumnValuesToNotMatchRegexList(
                column=column, regex_list=shapes,
                meta={"description": "no value shaped like personal data ("
                                     + ", ".join(settings.shapes) + ")"}))
    count_column = (meta.get("k_anonymity") or {}).get("count_column")
    if count_column:
        expectations.append(E.ExpectColumnValuesToBeBetween(
            column=count_column, min_value=settings.k,
            meta={"description": f"every cell counts at least k = {settings.k} people"}))
    quasi_identifiers = meta.get("quasi_identifiers")
    if not quasi_identifiers and risk.row_level(node):
        # Every non-pseudonym column (docs/attacker-model.md). Rows per class bound people per
        # class from above: a class of fewer than k rows has fewer than k people.
        quasi_identifiers = risk.quasi_identifiers(node)
    if quasi_identifiers:
        partition = ", ".join(quote_identifier(c) for c in quasi_identifiers)
        # Group sizes only: the quasi-identifiers' values never leave the engine.
        expectations.append(E.UnexpectedRowsExpectation(
            unexpected_rows_query=f"select count(*) as group_size from {{batch}} "
                                  f"group by {partition} having count(*) < {int(settings.k)}",
            meta={"description": "every quasi-identifier class (" + ", ".join(quasi_identifiers)
                                 + f") has at least k = {settings.k} rows"}))
    return expectations


COLUMNS_SUITE = "publication.columns"


def _columns_query(nodes: list[dict]) -> str:
    """Every column of the published tables, as the file's catalog has it."""
    tables = ", ".join(f"({quote_literal(n['schema'])}, {quote_literal(relation_alias(n))})"
                       for n in nodes)
    return ("select table_schema || '.' || table_name as table_name, column_name, data_type "
            "from information_schema.columns where table_catalog = current_database() "
            f"and (table_schema, table_name) in ({tables})")


def _column_type_expectations(gx, nodes: list[dict], facts: dict[str, _TableFacts]) -> list:
    """One expectation per table: no column of another name or type than its contract's."""
    expectations = []
    for node in nodes:
        expected = facts[node["unique_id"]].expected_types
        missing = [c for c, kind in expected.items() if not kind]
        if missing:
            raise ValidationError(f"{table_name(node)} declares no data_type for "
                                  f"{', '.join(missing)}: a published model needs a typed contract")
        declared = ", ".join(quote_literal(f"{c} {kind}") for c, kind in sorted(expected.items()))
        expectations.append(gx.expectations.UnexpectedRowsExpectation(
            unexpected_rows_query=(
                "select subselect.column_name from {batch} "
                f"where subselect.table_name = {quote_literal(table_name(node))} "
                f"and subselect.column_name || ' ' || subselect.data_type not in ({declared})"),
            meta={"description": f"{table_name(node)}: every column has the type its "
                                 "contract declares"}))
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
    facts, retention = _read_facts(Path(published_path), Path(warehouse_path), nodes, manifest)
    validator = _Validator(Path(published_path), docs_dir, run_id, settings.shapes)
    gx = validator.gx
    suites: list[SuiteOutcome] = []
    try:
        for node, window in zip(nodes, retention, strict=True):
            table = table_name(node)
            table_facts = facts[node["unique_id"]]
            suites.append(validator.validate(
                table, table, f"select * from {quoted_relation(node)}",
                _table_expectations(gx, node, table_facts, settings), table_facts.row_count))
            suites.append(window)
        if nodes:
            suites.append(validator.validate(
                COLUMNS_SUITE, "publication", _columns_query(nodes),
                _column_type_expectations(gx, nodes, facts),
                sum(len(f.column_types) for f in facts.values())))
    finally:
        validator.close()
    validator.build_docs()
    return ValidationReport(
        run_id=run_id, as_of=settings.as_of, k=settings.k,
        success=all(s.success for s in suites), suites=suites,
        data_docs=str(docs_dir) if docs_dir else None,
    )

