"""The datasheet that travels with a release (issue 19, item 4): what every table and column of
`PUBLISH_DIR` means, written where an analyst who has only `PUBLISH_DIR` will find it.

One description, four places, all generated from the same declarations (never restated here):

* `PUBLISH_DIR/README.md` and its HTML twin `PUBLISH_DIR/datasheet.html`: each table and what one
  row is; each column's meaning, unit and, for a generalised column, what a value stands for
  (lower bound, width and open top band, read from `dbt_project.yml`'s
  `generalisation_hierarchies` and the level in the column's YAML meta); the population (purpose,
  retention windows from the policy seeds, `as_of`) and what the privacy tests leave out; the
  figures `publication.json` carries about each table (re-identification risk, suppression, and
  whatever other figures, e.g. utility, bias, a differential-privacy budget, later work adds:
  rendered generically); the table's own declarations from its YAML meta (so a table with a
  privacy unit or budget in its meta shows it without this module knowing it); and how to query
  the release with DuckDB, Parquet, pandas and Polars (one example each, run by the tests).
* `COMMENT ON TABLE / COLUMN` in `analytics.duckdb` (annotate_database).
* The Parquet files' key-value metadata (parquet_metadata_option, used by publish's COPY).

Where the words come from: the model's and column's `description` in the marts' YAML (read from
the manifest through dbt_artifacts), a column's `meta.unit` if declared, else the unit its name
carries under the project's naming conventions (`_sek`, `_kg`, `_hours`, `_seconds`, `_count`,
`_at`, `_on`, `_month`, `is_`/`has_`, `_key`).

It also holds the check that integers read the same in both formats (integer_type_problems):
counts are BIGINT in DuckDB and INT64 in Parquet, and no published integer is HUGEINT (which
Parquet cannot hold and DuckDB's COPY writes as DOUBLE).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path

from privacy_warehouse.dbt_artifacts import (
    node_meta,
    quoted_relation,
    relation_alias,
    table_name,
)
from privacy_warehouse.sql import quote_identifier

README = "README.md"
HTML = "datasheet.html"
# The keys publication.json carries for the release as a whole, shown in its header, not as a
# table's figures; any other top-level key is rendered generically (release_figures).
RELEASE_KEYS = ("run_id", "as_of", "git_commit", "git_uncommitted_changes", "dbt_version",
                "built_at", "published_at", "validation", "tables")
# A table's entry in publication.json["tables"]: file bookkeeping, not a figure about the data.
FILE_KEYS = ("content_checksum", "parquet_path", "parquet_sha256", "columns")
# Column meta rendered in words of their own (the rest is shown as declared).
COLUMN_META_IN_WORDS = ("category", "closed_vocabulary", "privacy", "unit")
# The unit a name carries under the project's naming conventions (docs: conventions), by suffix
# or prefix; a column's `meta.unit` wins.
UNIT_SUFFIXES = (
    ("_sek", "SEK"), ("_kg", "kg"), ("_hours", "hours"), ("_seconds", "seconds"),
    ("_count", "a count (whole number)"), ("_month", "a date: the first day of the month (UTC)"),
    ("_on", "a date (UTC)"), ("_at", "a timestamp (UTC)"),
    ("_key", "a keyed pseudonym (64 hex characters)"),
)
UNIT_PREFIXES = (("is_", "true / false"), ("has_", "true / false"))
# The unit of a hierarchy's values, for a band column whose name carries none.
HIERARCHY_UNITS = {"price_sek": "SEK", "weight_kg": "kg", "hours": "hours", "count": "",
                   "seconds": "seconds"}
# What a value at a level of a non-numeric hierarchy stands for.
LEVEL_WORDS = {
    ("date", "day"): "the day",
    ("date", "week"): "the Monday of the week",
    ("date", "month"): "the first day of the month",
    ("date", "quarter"): "the first day of the quarter",
    ("date", "year"): "the first day of the year",
    ("place", "postal_area"): "the postal area (`SE-` and the first two digits of the postal "
                              "code), or the country abroad",
    ("place", "postal_region"): "the postal region (`SE-` and the first digit of the postal "
                                "code), or the country abroad",
    ("place", "country"): "the country",
}
# What each privacy test attached to a table leaves out of it, in words.
LEFT_OUT_BY_TEST = {
    "privacy_within_retention_window": "every record past its retention window on as_of",
    "privacy_objections_honoured": "everyone who objected to this purpose",
    "privacy_k_anonymity": "every row in a class (or cell) of fewer than k people: suppressed "
                           "or folded, counted in publication.json (and the datasheet)",
    "privacy_no_identifier_leaks": "every direct identifier (names, personnummer, e-mail, "
                                   "phone, address, IP)",
}
# What the figures publication.json carries mean, for the keys known today (risk.py); a key
# added later is shown with its value and, until it is described here, no words.
FIGURE_WORDS = {
    "row_count": "rows published",
    "k": "the smallest number of people a class or cell may describe",
    "m": "how many of a person's records the attacker is assumed to know",
    "rows": "rows published",
    "quasi_identifiers": "the columns an attacker is assumed to know",
    "smallest_class": "people in the smallest class or cell (at least k)",
    "prosecutor_risk_max": "1 / smallest class: the highest chance of picking out a person",
    "prosecutor_risk_average": "the average of that chance over the rows",
    "rows_under_k_before_suppression": "rows whose class was under k before suppression",
    "share_under_k_before_suppression": "the same, as a share of the eligible rows",
    "rows_suppressed": "rows left out because their class stayed under k",
    "k_m2": "people in the smallest class when the attacker knows two of a person's records",
    "k_m2_note": "how k_m2 was measured",
    "differencing": "pairs of tables compared cell by cell for differences of 1 to k-1 people",
}
INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                 "UINTEGER", "UBIGINT", "UHUGEINT"}
# DuckDB integer type -> the Arrow type its Parquet column must read as.
PARQUET_INTEGER = {"TINYINT": "int8", "SMALLINT": "int16", "INTEGER": "int32",
                   "BIGINT": "int64"}
COUNT_SUFFIX = "_count"


# --------------------------------------------------------------------------------------------
# The description, from the manifest
# --------------------------------------------------------------------------------------------


@dataclass
class ColumnSheet:
    name: str
    data_type: str
    description: str
    unit: str
    generalisation: str  # what a value stands for; "" when the column is not generalised
    values: list[str]  # a closed vocabulary's declared values, if listed
    values_complete: bool  # the values are the whole vocabulary (else: besides the source's)
    declared: dict[str, str]  # other column meta, flattened

    def text(self) -> str:
        """One paragraph: the comment in DuckDB and the Parquet metadata."""
        parts = [" ".join(self.description.split()) or "(no description)"]
        if self.unit:
            parts.append(f"Unit: {self.unit}.")
        if self.generalisation:
            parts.append(f"Value: {self.generalisation}")
        return " ".join(parts)


@dataclass
class TableSheet:
    name: str
    description: str
    kind: str
    purpose: dict[str, str]
    windows: list[str]
    left_out: list[str]
    declared: dict[str, str]
    columns: list[ColumnSheet] = field(default_factory=list)

    @property
    def one_row(self) -> str:
        """The description's first sentence: by convention, what one row is."""
        first = self.description.strip().split(". ")[0].rstrip(".")
        return first + "." if first else ""

    def text(self) -> str:
        return (f"{' '.join(self.description.split())} Population: {self.population()} "
                f"Datasheet: README.md (and {HTML}) in the release folder.")

    def population(self) -> str:
        purpose = self.purpose.get("display_name") or self.purpose.get("purpose", "")
        words = f"purpose {purpose}" if purpose else "no declared purpose"
        if self.windows:
            words += "; windows: " + "; ".join(self.windows)
        if self.left_out:
            words += "; left out: " + "; ".join(self.left_out)
        return words + "."


def flatten(value, prefix: str = "") -> dict[str, str]:
    """Nested meta or figures as `a.b: value` lines (lists of scalars joined, others as JSON)."""
    if isinstance(value, dict):
        flat: dict[str, str] = {}
        for key, inner in value.items():
            flat.update(flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return {prefix: ", ".join(str(v) for v in value)}
    if isinstance(value, list):
        return {prefix: json.dumps(value, sort_keys=True, default=str)}
    return {prefix: "" if value is None else str(value)}


def unit_of(name: str, meta: dict, hierarchy: str | None) -> str:
    if meta.get("unit"):
        return str(meta["unit"])
    for prefix, unit in UNIT_PREFIXES:
        if name.startswith(prefix):
            return unit
    for suffix, unit in UNIT_SUFFIXES:
        if name.endswith(suffix):
            return unit
    return HIERARCHY_UNITS.get(hierarchy or "", "")


def generalisation_words(privacy: dict, hierarchies: dict, unit: str) -> str:
    """What a published value stands for, from the column's level and its hierarchy's spec."""
    hierarchy, level = privacy.get("hierarchy"), privacy.get("level")
    if not hierarchy or not level:
        return ""
    spec = hierarchies.get(hierarchy) or {}
    if level == "exact":
        return "exact (not generalised)."
    if level == "suppressed":
        return "always empty: the column is suppressed at this release's level."
    if level.startswith("band_"):
        # A column may top-code lower than its hierarchy (its own `top`, issue 19).
        width, top = level.removeprefix("band_"), privacy.get("top", spec.get("top"))
        unit_words = f" {unit}" if unit and " " not in unit else ""
        words = (f"the lower bound of a {width}{unit_words} band: a value v means from v up "
                 f"to (not including) v + {width}")
        if top is not None:
            words += (f"; {top} is the open top band and means {top}{unit_words} or more "
                      f"(values above it are not shown, so a sum or mean of bounds "
                      f"understates)")
        return words + ("; empty where the source value is empty, or where the value was "
                        "withheld to keep the row (its class was under k).")
    if isinstance(spec.get(level), dict):
        images = sorted(set(spec[level].values()))
        return (f"one of {', '.join(f'`{i}`' for i in images)} (from "
                + ", ".join(f"`{value}` → `{image}`" for value, image in spec[level].items())
                + "; anything else `unknown`).")
    words = LEVEL_WORDS.get((hierarchy, level))
    return f"{words}." if words else f"level `{level}` of hierarchy `{hierarchy}`."


def _purpose_rows(seeds: dict, purpose: str) -> tuple[dict, list[str]]:
    purposes = {row.get("purpose"): row for row in seeds.get("policy_purposes", [])}
    windows = []
    for rule in seeds.get("policy_retention_rules", []):
        if rule.get("purpose") != purpose:
            continue
        span = (f"{rule['months']} months" if rule.get("months")
                else f"{rule['years']} years" if rule.get("years") else "")
        kind = (rule.get("rule_kind") or "").replace("_plus_months", "").replace("_", " ")
        windows.append(f"{rule.get('subject_type')}: {kind} plus {span}".strip()
                       if span else f"{rule.get('subject_type')}: {kind}")
    return purposes.get(purpose) or ({"purpose": purpose} if purpose else {}), windows


def _attached_test_names(manifest: dict, model_id: str) -> set[str]:
    names = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("attached_node") == model_id:
            names.add((node.get("test_metadata") or {}).get("name") or node["name"])
    return names


def describe(manifest: dict, nodes: list[dict], hierarchies: dict) -> list[TableSheet]:
    """The datasheet of the published `nodes`, from the manifest, the policy seeds and the
    generalisation hierarchies."""
    from privacy_warehouse.report.collect import read_seeds

    seeds = read_seeds(manifest)
    sheets = []
    for node in nodes:
        meta = node_meta(node)
        k_meta = meta.get("k_anonymity") or {}
        kind = ("row level: one row per " + str(k_meta["people"].get("object_type", "record"))
                if "people" in k_meta else "aggregate: one row per cell" if k_meta else "")
        purpose, windows = _purpose_rows(seeds, meta.get("purpose", ""))
        tests = _attached_test_names(manifest, node["unique_id"])
        left_out = [words for test, words in LEFT_OUT_BY_TEST.items() if test in tests]
        sheet = TableSheet(
            name=table_name(node), description=node.get("description") or "", kind=kind,
            purpose=purpose, windows=windows, left_out=left_out,
            declared=flatten({key: value for key, value in meta.items() if key != "purpose"}))
        for name, column in (node.get("columns") or {}).items():
            column_meta = column.get("meta") or {}
            privacy = column_meta.get("privacy") or {}
            unit = unit_of(name, column_meta, privacy.get("hierarchy"))
            vocabulary = column_meta.get("closed_vocabulary") or {}
            if not isinstance(vocabulary, dict):
                vocabulary = {}
            sheet.columns.append(ColumnSheet(
                name=name, data_type=str(column.get("data_type") or ""),
                description=column.get("description") or "", unit=unit,
                generalisation=generalisation_words(privacy, hierarchies, unit),
                values=[str(v) for v in vocabulary.get("values") or []],
                values_complete=set(vocabulary) == {"values"},
                declared=flatten({key: value for key, value in column_meta.items()
                                  if key not in COLUMN_META_IN_WORDS})))
        sheets.append(sheet)
    return sheets


# --------------------------------------------------------------------------------------------
# Into the DuckDB file and the Parquet files
# --------------------------------------------------------------------------------------------


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def annotate_database(con, nodes: list[dict], sheets: list[TableSheet]) -> None:
    """COMMENT ON TABLE and COLUMN for every published table, on an open connection to the new
    publication file. A column the manifest does not describe gets its table's name and type,
    never an empty comment (the publish refuses a table with a column missing from its YAML
    anyway: validation checks the contract)."""
    by_name = {sheet.name: sheet for sheet in sheets}
    for node in nodes:
        sheet = by_name[table_name(node)]
        relation = quoted_relation(node)
        con.execute(f"comment on table {relation} is {_literal(sheet.text())}")
        described = {column.name: column for column in sheet.columns}
        for name, data_type, *_ in con.execute(f"describe {relation}").fetchall():
            column = described.get(name)
            text = column.text() if column else f"A column of {sheet.name} ({data_type})."
            con.execute(f"comment on column {relation}.{quote_identifier(name)} is "
                        f"{_literal(text)}")


def parquet_metadata(sheet: TableSheet, as_of: str) -> dict[str, str]:
    """The key-value metadata of a table's Parquet file: the table, its population, every
    column's text, and the whole sheet as JSON (`privacy_warehouse.datasheet`)."""
    metadata = {"table": sheet.name, "description": sheet.description.strip(),
                "one_row": sheet.one_row, "population": sheet.population(), "as_of": as_of,
                "datasheet": f"README.md and {HTML} beside analytics.duckdb"}
    for column in sheet.columns:
        metadata[f"column.{column.name}"] = column.text()
    metadata["privacy_warehouse.datasheet"] = json.dumps(
        {"table": sheet.name, "kind": sheet.kind, "declared": sheet.declared,
         "columns": {c.name: {"text": c.text(), "unit": c.unit, "values": c.values,
                              "declared": c.declared} for c in sheet.columns}},
        sort_keys=True)
    return metadata


def parquet_metadata_option(sheets: list[TableSheet] | None, node: dict, as_of: str) -> str:
    """`, kv_metadata {...}` for DuckDB's COPY ... (format parquet ...) of `node`'s table
    (nothing without a datasheet)."""
    if not sheets:
        return ""
    sheet = next(s for s in sheets if s.name == table_name(node))
    pairs = ", ".join(f"{_literal(key)}: {_literal(value)}"
                      for key, value in parquet_metadata(sheet, as_of).items())
    return f", kv_metadata {{{pairs}}}"


def integer_type_problems(con, nodes: list[dict], parquet_dir: Path) -> list[str]:
    """Integers that would read differently in DuckDB and Parquet, or counts that are not
    BIGINT/INT64: every published integer column is a signed type of at most 64 bits whose
    Parquet column has the same width, and every count (`*_count`) is BIGINT."""
    import pyarrow.parquet as pq

    problems = []
    for node in nodes:
        name = table_name(node)
        path = Path(parquet_dir) / node["schema"] / f"{relation_alias(node)}.parquet"
        arrow = {f.name: str(f.type) for f in pq.read_schema(path)} if path.exists() else {}
        for column, data_type, *_ in con.execute(f"describe {quoted_relation(node)}").fetchall():
            data_type = data_type.upper()
            is_count = column.endswith(COUNT_SUFFIX)
            if data_type not in INTEGER_TYPES:
                if is_count:
                    problems.append(f"{name}.{column}: a count of type {data_type}, not BIGINT")
                continue
            expected = PARQUET_INTEGER.get(data_type)
            if expected is None:
                problems.append(f"{name}.{column}: {data_type} (Parquet has no such integer; "
                                f"cast to BIGINT where it is made)")
            elif is_count and data_type != "BIGINT":
                problems.append(f"{name}.{column}: a count of type {data_type}, not BIGINT")
            if expected and column in arrow and arrow[column] != expected:
                problems.append(f"{name}.{column}: {data_type} in DuckDB but {arrow[column]} "
                                f"in Parquet")
            elif path.exists() and column not in arrow:
                problems.append(f"{name}.{column}: missing from the Parquet file")
    return problems


# --------------------------------------------------------------------------------------------
# README.md and datasheet.html: one list of blocks, two renderings
# --------------------------------------------------------------------------------------------


def _title(key: str) -> str:
    return key.replace("_", " ").capitalize()


def table_figures(publication: dict, name: str) -> list[tuple[str, dict[str, str]]]:
    """(section title, flattened figures) about one table, from whatever publication.json
    carries: its entry under `tables` (file bookkeeping aside), and its entry in every other
    top-level section that is keyed by table (directly or under `tables`)."""
    entry = {key: value for key, value in (publication.get("tables") or {}).get(name, {}).items()
             if key not in FILE_KEYS}
    sections = [("Release", flatten(entry))] if entry else []
    for key, value in publication.items():
        if key in RELEASE_KEYS or not isinstance(value, dict):
            continue
        per_table = value.get("tables") if isinstance(value.get("tables"), dict) else value
        if isinstance(per_table, dict) and name in per_table:
            figures = per_table[name]
            if isinstance(figures, dict):  # the table's own name, said again, is no figure
                figures = {k: v for k, v in figures.items() if v != name}
            sections.append((_title(key), flatten(figures)))
    return sections


def release_figures(publication: dict) -> list[tuple[str, dict[str, str]]]:
    """Top-level sections of publication.json that are not about one table (k, a release-wide
    budget, differencing checks ...), without their per-table parts."""
    names = set(publication.get("tables") or {})
    sections = []
    for key, value in publication.items():
        if key in RELEASE_KEYS:
            continue
        if isinstance(value, dict):
            value = {k: v for k, v in value.items() if k != "tables" and k not in names
                     and not _is_records(v)}
        flat = flatten(value)
        if any(flat.values()):
            sections.append((_title(key), flat))
    return sections


def _is_records(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def release_records(publication: dict) -> list[tuple[str, list[str], list[list[str]]]]:
    """Lists of records inside release-wide sections (say, the pairs of tables compared for
    differencing), each as a table of its own: (title, headers, rows)."""
    found = []
    for key, value in publication.items():
        if key in RELEASE_KEYS or not isinstance(value, dict):
            continue
        for inner_key, inner in value.items():
            if not _is_records(inner):
                continue
            rows = [flatten(record) for record in inner]
            headers = list(dict.fromkeys(h for row in rows for h in row))
            found.append((f"{_title(key)}: {inner_key.replace('_', ' ')}", headers,
                          [[row.get(h, "") for h in headers] for row in rows]))
    return found


def _example_table(sheets: list[TableSheet]) -> TableSheet:
    return next((s for s in sheets if s.kind.startswith("row level")), sheets[0])


def query_examples(sheets: list[TableSheet]) -> list[tuple[str, str]]:
    """(title, Python code) run from PUBLISH_DIR; the tests run every one of them."""
    sheet = _example_table(sheets)
    schema, table = sheet.name.split(".")
    parquet = f"parquet/{schema}/{table}.parquet"
    return [
        ("DuckDB (the database file, read-only; comments included)",
         "import duckdb\n\n"
         'con = duckdb.connect("analytics.duckdb", read_only=True)\n'
         f'print(con.sql("select * from {sheet.name} limit 5"))\n'
         'print(con.sql("select table_name, column_name, comment from duckdb_columns() "\n'
         f"              \"where schema_name = '{schema}' and table_name = '{table}'\"))\n"),
        ("Parquet (with DuckDB; the metadata with pyarrow)",
         "import duckdb\nimport pyarrow.parquet as pq\n\n"
         f"print(duckdb.sql(\"select count(*) from read_parquet('{parquet}')\"))\n"
         f'metadata = pq.read_schema("{parquet}").metadata\n'
         'print(metadata[b"description"].decode())\n'),
        ("pandas",
         "import pandas as pd\n\n"
         f'frame = pd.read_parquet("{parquet}")\n'
         "print(frame.head())\n"),
        ("Polars",
         "import polars as pl\n\n"
         f'frame = pl.read_parquet("{parquet}")\n'
         "print(frame.head())\n"),
    ]


def blocks(sheets: list[TableSheet], publication: dict) -> list[tuple]:
    """The datasheet as blocks: ("h", level, text), ("p", text), ("ul", items),
    ("table", headers, rows), ("code", language, text)."""
    out: list[tuple] = [
        ("h", 1, "Datasheet of this release"),
        ("p", f"Release `{publication.get('run_id', '')}`, evaluated for as_of "
              f"**{publication.get('as_of', '')}** (every window, class and figure is computed "
              f"for that day), published {publication.get('published_at', '')} from commit "
              f"`{publication.get('git_commit', '')}` with dbt {publication.get('dbt_version', '')}. "
              "Generated from the marts' declarations at publish time; the same texts are the "
              "column comments of `analytics.duckdb` and the key-value metadata of every Parquet "
              "file."),
        ("table", ["path", "what"], [
            ["`analytics.duckdb`", "every table below (DuckDB; open it read-only)"],
            ["`parquet/<schema>/<table>.parquet`", "the same tables as Parquet, one file each"],
            ["`publication.json`", "the release's run id, as_of, checksums and figures"],
            [f"`README.md`, `{HTML}`", "this datasheet"],
        ]),
        ("h", 2, "Reading the values"),
        ("ul", [
            "A band column (`*_band*`) holds the **lower bound** of its band; its top band is "
            "open (it means that value or more). Each column's width and top band are given "
            "below.",
            "Columns ending `_key` are keyed pseudonyms: stable within a release, not joinable "
            "to any other system or to another purpose's data.",
            "Rows in a class of fewer than k people were suppressed or generalised further "
            "(k and what was left out are under each table's figures): the published rows are "
            "not the whole population, and the figures say by how much.",
            "Counts are BIGINT in DuckDB and INT64 in Parquet; money is SEK as DECIMAL.",
        ]),
    ]
    figures, records = release_figures(publication), release_records(publication)
    if figures or records:
        out.append(("h", 2, "Release-wide figures"))
    for title, flat in figures:
        out.append(("table", [title, "value", "what it means"], _figure_rows(flat)))
    for title, headers, rows in records:
        words = FIGURE_WORDS.get(title.rsplit(": ", 1)[-1].replace(" ", "_"))
        out.append(("p", f"**{title}**" + (f": {words}." if words else "")))
        out.append(("table", headers, rows))
    tables = publication.get("tables") or {}
    out.append(("h", 2, "Tables"))
    out.append(("table", ["table", "one row", "rows", "kind"], [
        [f"`{s.name}`", s.one_row, str((tables.get(s.name) or {}).get("row_count", "")), s.kind]
        for s in sheets]))
    for sheet in sheets:
        out.append(("h", 3, sheet.name))
        out.append(("p", sheet.description.strip()))
        population = [f"As of {publication.get('as_of', '')}."]
        if sheet.purpose:
            population.append(
                f"Purpose: {sheet.purpose.get('display_name') or sheet.purpose.get('purpose')}"
                + (f" ({sheet.purpose['what_we_do'].rstrip('.')})"
                   if sheet.purpose.get("what_we_do")
                   else "") + ".")
        if sheet.windows:
            population.append("Retention windows: " + "; ".join(sheet.windows) + ".")
        out.append(("p", "**Population.** " + " ".join(population)))
        if sheet.left_out:
            out.append(("p", "**Left out:**"))
            out.append(("ul", sheet.left_out))
        out.append(("table", ["column", "type", "unit", "meaning"], [
            [f"`{c.name}`", c.data_type, c.unit,
             " ".join(filter(None, [c.description.strip(),
                                    f"Value: {c.generalisation}" if c.generalisation else "",
                                    _values_words(c)]))]
            for c in sheet.columns]))
        for title, flat in table_figures(publication, sheet.name):
            out.append(("table", [f"{title} (publication.json)", "value", "what it means"],
                        _figure_rows(flat)))
        if sheet.declared:
            out.append(("table", ["declared in the table's YAML meta", "value"],
                        [[k, v] for k, v in sheet.declared.items()]))
        column_declared = [[f"`{c.name}`", k, v] for c in sheet.columns
                           for k, v in c.declared.items()]
        if column_declared:
            out.append(("table", ["column", "declared in its YAML meta", "value"],
                        column_declared))
    out.append(("h", 2, "How to query it"))
    out.append(("p", "Run from this folder (Python with duckdb, pyarrow, pandas or polars)."))
    for title, code in query_examples(sheets):
        out.append(("p", f"**{title}**"))
        out.append(("code", "python", code))
    return out


def _values_words(column: ColumnSheet) -> str:
    if not column.values:
        return ""
    listed = ", ".join(f"`{v}`" for v in column.values)
    return f"Values: {listed}." if column.values_complete else f"Besides those: {listed}."


def _figure_rows(flat: dict[str, str]) -> list[list[str]]:
    """Figures with a value, each with what it means where the key is a known one."""
    return [[key, value, FIGURE_WORDS.get(key.rsplit(".", 1)[-1], "")]
            for key, value in flat.items() if value != ""]


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(document: list[tuple]) -> str:
    lines: list[str] = []
    for block in document:
        kind = block[0]
        if kind == "h":
            lines += ["#" * block[1] + " " + block[2], ""]
        elif kind == "p":
            lines += [block[1], ""]
        elif kind == "ul":
            lines += [f"- {item}" for item in block[1]] + [""]
        elif kind == "table":
            headers, rows = block[1], block[2]
            lines.append("| " + " | ".join(_cell(h) for h in headers) + " |")
            lines.append("|" + "---|" * len(headers))
            lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
            lines.append("")
        elif kind == "code":
            lines += [f"```{block[1]}", block[2].rstrip("\n"), "```", ""]
    return "\n".join(lines)


def _inline_html(text: str) -> str:
    """Escape, then `code` and **bold** spans."""
    import re

    escaped = html.escape(str(text))
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", escaped)


def to_html(document: list[tuple]) -> str:
    """Self-contained (inline CSS, no script): it opens from a file share."""
    body = []
    for block in document:
        kind = block[0]
        if kind == "h":
            body.append(f"<h{block[1]}>{_inline_html(block[2])}</h{block[1]}>")
        elif kind == "p":
            body.append(f"<p>{_inline_html(block[1])}</p>")
        elif kind == "ul":
            body.append("<ul>" + "".join(f"<li>{_inline_html(i)}</li>" for i in block[1])
                        + "</ul>")
        elif kind == "table":
            head = "".join(f"<th>{_inline_html(h)}</th>" for h in block[1])
            rows = "".join("<tr>" + "".join(f"<td>{_inline_html(c)}</td>" for c in row)
                           + "</tr>" for row in block[2])
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif kind == "code":
            body.append(f"<pre><code>{html.escape(block[2])}</code></pre>")
    style = ("body{font-family:sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem}"
             "table{border-collapse:collapse;margin:.5rem 0 1rem}"
             "td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;"
             "vertical-align:top}th{background:#f3f3f3}"
             "pre{background:#f6f6f6;padding:.75rem;overflow:auto}")
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>Datasheet of this release</title>"
            f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def write_datasheet(publish_dir: Path, sheets: list[TableSheet], publication: dict) -> None:
    """README.md and datasheet.html into PUBLISH_DIR, each by an atomic rename (written after
    publication.json, whose figures they show; release_files gives them their modes)."""
    from privacy_warehouse.report.evidence import write_text_atomic

    document = blocks(sheets, publication)
    write_text_atomic(Path(publish_dir) / README, to_markdown(document))
    write_text_atomic(Path(publish_dir) / HTML, to_html(document))


# --------------------------------------------------------------------------------------------
# The calls publish makes (kept here, so publish.py gains one line per step)
# --------------------------------------------------------------------------------------------


def describe_build(build, nodes: list[dict]) -> list[TableSheet]:
    """The datasheet of a build's published nodes (hierarchies from dbt_project.yml's vars,
    with the build's --vars winning, as the build itself read them)."""
    from privacy_warehouse.personal_data import project_vars

    variables = project_vars(build.project_dir, build.build_vars)
    return describe(build.manifest, nodes, variables.get("generalisation_hierarchies") or {})


def annotate_file(database_file: Path, nodes: list[dict], sheets: list[TableSheet]) -> None:
    """annotate_database on the new publication file, then a checkpoint."""
    import duckdb

    con = duckdb.connect(str(database_file))
    try:
        annotate_database(con, nodes, sheets)
        con.execute("checkpoint")
    finally:
        con.close()


def check_integer_types(database_file: Path, nodes: list[dict], parquet_dir: Path) -> list[str]:
    """integer_type_problems of the new publication file and its Parquet export."""
    import duckdb

    con = duckdb.connect(str(database_file), read_only=True)
    try:
        return integer_type_problems(con, nodes, parquet_dir)
    finally:
        con.close()
