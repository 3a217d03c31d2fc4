"""The compliance report and the evidence folder: complete, readable, and free of personal data.

The site is built once per session (`report_site`, shared with test_browser.py) from the
hand-written warehouse, after a publish, so it shows every section filled.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from privacy_warehouse.dbt_artifacts import MANIFEST, RUN_RESULTS, read_artifact
from privacy_warehouse.personal_data import personal_data_shapes, project_vars
from privacy_warehouse.report import build_report
from test_publish import publish_into, run_cli

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PAGES = ["index.html", "traceability.html", "record-of-processing.html", "validation.html",
         "landing.html", "lineage.html", "checks.html"]


@dataclass
class Site:
    root: Path
    evidence_dir: Path
    run_folder: Path
    run_id: str
    publication: dict


_SITES: dict[str, Site] = {}


def report_site_for(project, tmp_path_factory) -> Site:
    """Publish and report the project once per session (also used by test_browser.py)."""
    key = str(project.duckdb_path)
    if key not in _SITES:
        root = tmp_path_factory.mktemp("report_site")
        publication = publish_into(project, root)
        build_report(project.target_path, root / "evidence", project.duckdb_path)
        run_id = publication["run_id"]
        _SITES[key] = Site(root, root / "evidence", root / "evidence" / run_id, run_id,
                           publication)
    return _SITES[key]


@pytest.fixture(scope="module")
def site(handwritten_warehouse, tmp_path_factory) -> Site:
    return report_site_for(handwritten_warehouse, tmp_path_factory)


def _text(path: Path, element_boundary: str = " ") -> str:
    """A page's visible text, entities decoded (what a reader, or a scanner, sees).

    The scanner passes a line break as `element_boundary`: two table cells side by side ("0" and
    "1 000 280") are two texts to a reader, not one phone number."""
    raw = path.read_text(encoding="utf-8")
    raw = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", raw, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", element_boundary, raw))
    return re.sub(r"[ \t\r\f\v]+", " ", text) if element_boundary != " " else re.sub(r"\s+", " ", text)


def _seed_rows(name: str) -> list[dict]:
    import csv

    with open(PROJECT_ROOT / "seeds" / "policy" / f"{name}.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


def test_front_page_names_the_run_and_as_of(site):
    index = site.run_folder / "index.html"
    text = _text(index)
    assert site.run_id in text
    assert "2026-06-30" in text
    assert "this run is published" in text
    for page in PAGES:
        assert (site.run_folder / page).is_file(), page
    # Self-contained: no script, no external stylesheet, no CDN.
    for page in site.run_folder.glob("*.html"):
        raw = page.read_text(encoding="utf-8")
        assert "<script" not in raw, page
        assert not re.search(r"""(src|href)=["']https?://""", raw), page
        assert "<style>" in raw


def test_the_lineage_page_lists_every_published_column(site):
    """Every column of every published table, with where it comes from (lineage.json and
    lineage.html of the run), and no broken lineage rule."""
    document = json.loads((site.run_folder / "lineage.json").read_text(encoding="utf-8"))
    assert document["violations"] == []
    traced = {(c["model"], c["column"]): c for c in document["columns"]}
    page = (site.run_folder / "lineage.html").read_text(encoding="utf-8")
    published = sorted((site.root / "publish" / "parquet").resolve().rglob("*.parquet"))
    assert published
    con = duckdb.connect()
    for path in published:
        model = path.stem.split(".")[-1]
        if site.publication["tables"].get(f"bizdev.{model}", {}).get("differentially_private"):
            continue  # computed by the publish from the private tier, not a dbt model (issue 18)
        columns = [row[0] for row in con.execute(
            "select name from parquet_schema(?) where name <> 'duckdb_schema'", [str(path)]).fetchall()]
        for column in columns:
            assert (model, column) in traced, (model, column)
            assert f"<code>{column}</code>" in page
        assert f"<code>{model}</code>" in page
    # Where dim_customers' key comes from, in words a reader sees.
    assert "booking.customers.customer_id" in _text(site.run_folder / "lineage.html")
    assert "pseudonymise" in _text(site.run_folder / "lineage.html")


def test_each_purpose_page_words_basis_and_retention_as_the_policy(site):
    bases = {r["legal_basis"]: r for r in _seed_rows("policy_legal_bases")}
    rules = _seed_rows("policy_retention_rules")
    for purpose in _seed_rows("policy_purposes"):
        page = site.run_folder / f"purpose-{purpose['purpose']}.html"
        text = _text(page)
        assert purpose["policy_heading"] in text
        assert bases[purpose["legal_basis"]]["policy_wording"] in text
        assert bases[purpose["legal_basis"]]["gdpr_article"] in text
        for rule in rules:
            if rule["purpose"] == purpose["purpose"]:
                assert rule["policy_heading"] in text, rule["rule_id"]
                assert rule["policy_wording"] in text, rule["rule_id"]
    bizdev = _text(site.run_folder / "purpose-business_development.html")
    for name, table in site.publication["tables"].items():
        assert name in bizdev or table.get("differentially_private"), name
    assert "privacy_k_anonymity" in bizdev
    assert "Leaving the window in the next 12 months" in bizdev


def test_model_row_counts_and_test_outcomes_come_from_the_build(site, handwritten_warehouse):
    bizdev = (site.run_folder / "purpose-business_development.html").read_text()
    orders = handwritten_warehouse.query("select count(*) from bizdev.fct_orders")[0][0]
    row = re.search(r"<code>bizdev\.fct_orders</code>.*?</tr>", bizdev, flags=re.S).group(0)
    assert f'<td class="num">{orders}</td>' in row
    run_results = read_artifact(handwritten_warehouse.target_path, RUN_RESULTS)
    tests = [r for r in run_results["results"] if r["unique_id"].startswith("test.")]
    checks = (site.run_folder / "checks.html").read_text()
    assert checks.count('<span class="badge passed">passed</span>') >= len(tests)


def test_traceability_lists_every_clause_of_the_register(site):
    text = _text(site.run_folder / "traceability.html")
    for seed in ("policy_purposes", "policy_retention_rules", "policy_categories",
                 "policy_legal_bases", "policy_objection_scopes", "policy_consent_channels"):
        assert f"{seed}.csv" in text
        for row in _seed_rows(seed):
            wording = row.get("policy_wording")
            if wording:
                assert wording in text, (seed, row)
    for kind in ("privacy_within_retention_window", "privacy_allowed_categories",
                 "privacy_no_identifier_leaks", "privacy_k_anonymity", "privacy_pseudonym_format"):
        assert kind in text, kind


def test_record_of_processing_and_landing_pages(site, handwritten_warehouse):
    record = _text(site.run_folder / "record-of-processing.html")
    assert "Article 30" in record
    for purpose in _seed_rows("policy_purposes"):
        assert purpose["what_we_do"] in record
    landing = _text(site.run_folder / "landing.html")
    for table, reason, _ in handwritten_warehouse.query(
            "select source_table, reason, count(*) from compliance.rejected_rows group by all"):
        assert table in landing and reason in landing
    queue = handwritten_warehouse.query("select sum(record_count) from compliance.erasure_queue")[0][0]
    assert f"{queue} records are past every window" in landing
    validation = _text(site.run_folder / "validation.html")
    for name, table in site.publication["tables"].items():
        assert name in validation and table["content_checksum"] in validation


def test_the_report_survives_a_missing_forecast_and_no_publication(handwritten_warehouse,
                                                                   tmp_path):
    """A warehouse from before retention_forecast existed; a build never published."""
    warehouse = tmp_path / "old.duckdb"
    shutil.copy2(handwritten_warehouse.duckdb_path, warehouse)
    con = duckdb.connect(str(warehouse))
    con.execute("drop table compliance.retention_forecast")
    con.close()
    index = build_report(handwritten_warehouse.target_path, tmp_path / "evidence", warehouse)
    text = _text(index)
    assert "not available in this warehouse" in text
    assert "not published yet" in text
    assert "Not published yet" in _text(index.parent / "validation.html")
    runs = _text(tmp_path / "evidence" / "index.html")
    assert index.parent.name in runs


def test_report_cli_and_dbt_docs_are_copied_scrubbed(handwritten_warehouse, tmp_path):
    target = tmp_path / "target"
    shutil.copytree(handwritten_warehouse.target_path, target,
                    ignore=shutil.ignore_patterns("compiled", "run"))
    # What `dbt docs generate` leaves: index.html with placeholders for the inlined JSON.
    (target / "index.html").write_text(
        '<html><script>var m = "MANIFEST.JSON INLINE DATA"; '
        'var c = "CATALOG.JSON INLINE DATA";</script></html>')
    (target / "catalog.json").write_text('{"nodes": {}}')
    result = run_cli("report", "--target-path", str(target),
                     "--evidence-dir", str(tmp_path / "evidence"),
                     env={"DUCKDB_PATH": str(handwritten_warehouse.duckdb_path)})
    assert result.returncode == 0, result.stderr
    run_folder = next(p for p in (tmp_path / "evidence").iterdir() if p.is_dir())
    docs = (run_folder / "dbt-docs" / "index.html").read_text()
    assert "MANIFEST.JSON INLINE DATA" not in docs
    assert '"nodes"' in docs and "[removed from evidence]" in docs
    assert 'href="dbt-docs/index.html"' in (run_folder / "index.html").read_text()


# --------------------------------------------------------------------------------------------
# Nothing in the evidence folder is personal data
# --------------------------------------------------------------------------------------------

# JSON fields that hold the project's source code (in git anyway), not data: SQL casts such as
# `x::text` look like an IPv6 address to the ipv6 shape.
CODE_FIELDS = {"raw_code", "macro_sql", "compiled_code"}
# Tokens that identify the run, not people: hex digests (pseudonyms, checksums), UUIDs, dbt
# unique ids, Unix times with a fraction (Data Docs' sort keys), and the CDN addresses in the
# Data Docs templates (`bootstrap-table@1.19.1/dist` has an e-mail's shape).
NOT_PERSONAL = re.compile(
    r"(?<![0-9A-Za-z])[0-9a-f]{32,64}(?![0-9A-Za-z])"  # hashes, also dbt's `_<md5>` name suffix
    r"|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"
    r"|\b(?:test|unit_test|model|seed|source|exposure|operation|macro|doc|group)\.[\w.]+"
    r"|\b1[0-9]{9}\.[0-9]+\b"
    r"|\bviewBox=[\"'][0-9. -]*[\"']"  # an inline chart's coordinates
    r"|https://(?:cdn\.jsdelivr\.net|unpkg\.com|cdnjs\.cloudflare\.com|code\.jquery\.com"
    r"|maxcdn\.bootstrapcdn\.com|stackpath\.bootstrapcdn\.com)/[^\s\"'<>]*"
)
BINARY_SUFFIXES = {".png", ".gif", ".ico", ".jpg", ".svg", ".woff", ".woff2", ".ttf"}


def landing_identifier_values(project) -> set[str]:
    """Every raw identifier and free-text value of the landing zone.

    The columns are those the project classifies as direct identifiers or free text
    (compliance.column_classification), plus every `*_id` column.
    """
    columns = project.query(
        "select source_table, column_name from compliance.column_classification "
        "where is_direct_identifier or is_free_text or column_name like '%\\_id' escape '\\'")
    values = set()
    for source_table, column in columns:
        system, table = source_table.split(".")
        files = project.raw_data_dir / system / table
        if not files.exists():
            continue
        for (value,) in duckdb.sql(
                f"select distinct cast({column} as varchar) from "
                f"read_parquet('{files}/*.parquet') where {column} is not null").fetchall():
            if value.strip():
                values.add(value.strip())
    return values


def _evidence_strings(folder: Path):
    """(file, text) for every piece of text in the folder: JSON strings, page text, files."""
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix.lower() in BINARY_SUFFIXES:
            continue
        raw = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".json":
            yield from ((path, s) for s in _json_strings(json.loads(raw)))
        elif path.suffix == ".html":
            yield path, _text(path, element_boundary="\n")
            yield path, html.unescape(raw)  # attributes and inline data too
        else:
            yield path, raw


def _json_strings(value, key: str | None = None):
    if isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _json_strings(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item, key)
    elif isinstance(value, str) and key not in CODE_FIELDS:
        yield value


def scan_evidence(folder: Path, values: set[str], shapes: dict[str, str],
                  allowed: set[str]) -> list[str]:
    """Findings: raw values of the landing zone, or text with a personal-data shape."""
    value_patterns = [
        (value, re.compile(r"(?<![0-9A-Za-z])" + re.escape(value) + r"(?![0-9A-Za-z])"))
        for value in values
    ]
    shape_patterns = {name: re.compile(shape.removeprefix(".*").removesuffix(".*"))
                      for name, shape in shapes.items()}
    findings = []
    for path, text in _evidence_strings(folder):
        where = str(path.relative_to(folder))
        for value, pattern in value_patterns:
            if value in text and pattern.search(text):
                findings.append(f"{where}: landing value {value!r}")
        if "/data-docs/static/" in where:
            continue  # GX's vendored JavaScript and CSS, identical in every run
        cleaned = NOT_PERSONAL.sub(" ", text)
        for address in allowed:
            cleaned = cleaned.replace(address, " ")
        for name, pattern in shape_patterns.items():
            match = pattern.search(cleaned)
            if match:
                findings.append(f"{where}: {name} shape {match.group(0)!r}")
    return sorted(set(findings))


def _project_addresses(manifest: dict) -> set[str]:
    """Role mailboxes the project declares as owners (groups, exposures): not data subjects."""
    owners = [*manifest.get("groups", {}).values(), *manifest.get("exposures", {}).values()]
    return {o["owner"]["email"] for o in owners if (o.get("owner") or {}).get("email")}


def test_nothing_in_the_evidence_folder_is_personal_data(site, handwritten_warehouse):
    values = landing_identifier_values(handwritten_warehouse)
    assert {"19850412-1230", "asa.oberg@exempel.se", "Jörgen Åkesson", "C-1"} <= values
    shapes = personal_data_shapes(project_vars(PROJECT_ROOT))
    manifest = read_artifact(handwritten_warehouse.target_path, MANIFEST)
    findings = scan_evidence(site.evidence_dir, values, shapes, _project_addresses(manifest))
    assert findings == []

    # Nor the pseudonymisation key, and no compiled SQL.
    for path in site.evidence_dir.rglob("*"):
        if path.is_file() and path.suffix.lower() not in BINARY_SUFFIXES:
            assert handwritten_warehouse.key not in path.read_text(errors="replace"), path
    run_results = json.loads((site.run_folder / "run_results.json").read_text())
    assert all(r.get("compiled_code") in (None, "[removed from evidence]")
               for r in run_results["results"])


def test_the_evidence_scan_finds_what_is_planted(site, handwritten_warehouse, tmp_path):
    """The scanner above is not vacuous: a value, a shape, escaped or in JSON, is found."""
    folder = tmp_path / "evidence"
    shutil.copytree(site.run_folder, folder / site.run_id)
    shapes = personal_data_shapes(project_vars(PROJECT_ROOT))
    (folder / "planted.json").write_text(json.dumps({"note": "Zoë O'Brien \"Citat\""}))
    (folder / "planted.html").write_text("<p>call 070-123 45 67 or &#106;o@example.org</p>")
    manifest = read_artifact(handwritten_warehouse.target_path, MANIFEST)
    findings = scan_evidence(folder, {"Zoë O'Brien \"Citat\""}, shapes,
                             _project_addresses(manifest))
    assert any("planted.json: landing value" in f for f in findings), findings
    assert any("planted.html: phone shape" in f for f in findings), findings
    assert any("planted.html: email shape" in f for f in findings), findings
    assert not [f for f in findings if "planted" not in f], findings


def test_the_published_tables_hold_no_landing_value(site, handwritten_warehouse):
    patterns = [re.compile(r"(?<![0-9A-Za-z])" + re.escape(v) + r"(?![0-9A-Za-z])")
                for v in landing_identifier_values(handwritten_warehouse)]
    con = duckdb.connect(str(site.root / "publish" / "analytics.duckdb"), read_only=True)
    try:
        tables = [name for (name,) in con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_catalog = 'analytics'").fetchall()]
        # A differentially private table's numbers are OpenDP's noisy draws: one of them may
        # spell a short numeric landing id by chance (e.g. `...4197` in -3579.4197), which is no
        # leak. Its text columns (the public keys) are scanned like every other column.
        stated = json.loads((site.root / "publish" / "publication.json").read_text("utf-8"))
        noisy = {n for n, t in stated["tables"].items() if t.get("differentially_private")}
        assert noisy, "the release states no differentially private table"
        for name in tables:
            columns = "t"
            if name in noisy:
                text_columns = [c for c, kind, *_ in con.execute(f"describe {name}").fetchall()
                                if kind == "VARCHAR"]
                columns = "struct_pack(" + ", ".join(f'"{c}"' for c in text_columns) + ")"
            for (row,) in con.execute(
                    f"select cast({columns} as varchar) from {name} as t").fetchall():
                text = NOT_PERSONAL.sub(" ", row)  # pseudonyms are hex digests
                assert not [p.pattern for p in patterns if p.search(text)], (name, row)
    finally:
        con.close()
