"""The compliance report: a static, self-contained HTML site per run, for non-engineers.

`privacy-warehouse report [--target-path target] [--evidence-dir evidence]`

Reads dbt's run_results.json and manifest.json (of `--target-path`), the policy register's seeds
(`seeds/policy/*.csv`, found through the manifest), the Great Expectations results and the
publication's checksums that `privacy-warehouse publish` left in the evidence folder, and
aggregates of the working warehouse (DUCKDB_PATH, opened read-only). Writes into
`EVIDENCE_DIR/<run_id>/` (see privacy_warehouse.report.evidence):

    index.html                  front page: verdict, key figures, purposes, 12-month forecast
    purpose-<purpose>.html      legal basis and retention as the policy words them, models,
                                row counts, checks, forecast, erasure queue
    traceability.html           each clause (seed row) -> the models and checks enforcing it
    record-of-processing.html   GDPR Art. 30 record, from the seeds
    validation.html             publication checksums and Great Expectations verdicts
    landing.html                rejected rows by table and reason, reconciliation, erasure queue
    lineage.html, lineage.json  every purpose model column: its landing origins and functions
    checks.html                 every test of the build with its outcome

and `EVIDENCE_DIR/index.html`, a list of the runs. Pages use inline CSS and inline SVG only: no
JavaScript, no CDN, so they open from a file share or an e-mail attachment. They show counts and
metadata, never a record id or a value about a person.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
from collections import Counter
from pathlib import Path

from privacy_warehouse.dbt_artifacts import RUN_RESULTS, ArtifactError, Build, load_build
from privacy_warehouse.personal_data import (
    ProjectVarsError,
    k_anonymity,
    personal_data_shapes,
    project_vars,
)
from privacy_warehouse.release_files import ReleaseFilesError
from privacy_warehouse.report.evidence import (
    DATA_DOCS,
    DBT_DOCS,
    copy_dbt_artifacts,
    run_dir,
    scrub_manifest,
    secure_evidence,
    write_json_atomic,
    write_text_atomic,
)

HERE = Path(__file__).parent
# Where `make docs` writes dbt's docs site, inside the build's target folder: a target of its
# own, because `dbt docs generate` rewrites run_results.json and manifest.json.
DBT_DOCS_TARGET = "docs"
NAV = [
    ("index.html", "Overview"),
    ("traceability.html", "Traceability"),
    ("record-of-processing.html", "Record of processing"),
    ("validation.html", "Validation & publication"),
    ("landing.html", "Landing zone"),
    ("lineage.html", "Lineage"),
    ("checks.html", "All checks"),
]
SEED_TITLES = {
    "policy_purposes": "Purposes",
    "policy_legal_bases": "Legal bases",
    "policy_retention_rules": "Retention rules",
    "policy_categories": "Categories of personal data",
    "policy_purpose_categories": "Data each purpose may use",
    "policy_consent_channels": "Marketing channels and consent",
    "policy_objection_scopes": "Objections and what they close",
    "policy_rejection_reasons": "Why landing rows are rejected",
}
SUBJECT_WORDS = {
    "customer": "customers", "lead": "prospects (leads)", "visitor": "website visitors",
    "invoice": "customers invoiced (bookkeeping records)",
}
STATUS_ORDER = ["failed", "error", "warned", "skipped", "not run", "passed"]


class ReportError(RuntimeError):
    pass


def _load(target_path: Path) -> Build:
    try:
        return load_build(target_path)
    except ArtifactError as error:
        raise ReportError(str(error)) from None


def _settings(build: Build):
    """(shapes, k) from dbt_project.yml and the build's --vars; ({}, None) if unreadable."""
    try:
        variables = project_vars(build.project_dir, build.build_vars)
        return personal_data_shapes(variables), k_anonymity(variables)
    except (OSError, ProjectVarsError):
        return {}, None


def _copy_dbt_docs(target_path: Path, folder: Path, manifest: dict,
                   shapes: dict[str, str]) -> bool:
    """dbt's docs site, if `dbt docs generate` ran (`make docs` writes it to DBT_DOCS_TARGET,
    or a plain `dbt docs generate` to the build's target folder): one file, the scrubbed
    manifest of the build inlined.

    As `dbt docs generate --static` does, so it opens from disk (the plain index.html fetches
    manifest.json, which browsers refuse for file:// pages); but with our scrubbed manifest.
    """
    docs = next((folder for folder in (Path(target_path) / DBT_DOCS_TARGET, Path(target_path))
                 if (folder / "index.html").is_file()), None)
    if docs is None:
        return False
    html = (docs / "index.html").read_text(encoding="utf-8")
    catalog_path = docs / "catalog.json"
    catalog = catalog_path.read_text(encoding="utf-8") if catalog_path.is_file() else "{}"
    scrubbed = json.dumps(scrub_manifest(manifest, shapes))
    if '"MANIFEST.JSON INLINE DATA"' in html:
        html = html.replace('"MANIFEST.JSON INLINE DATA"', scrubbed)
        html = html.replace('"CATALOG.JSON INLINE DATA"', catalog)
    write_text_atomic(folder / DBT_DOCS / "index.html", html)
    write_text_atomic(folder / DBT_DOCS / "manifest.json", scrubbed)
    write_text_atomic(folder / DBT_DOCS / "catalog.json", catalog)
    return True


def _stylesheet():
    """report.css, marked safe: autoescaping would turn `a > b` into `a &gt; b` in <style>."""
    from markupsafe import Markup

    return Markup((HERE / "static" / "report.css").read_text(encoding="utf-8"))


def _verdict(data) -> dict:
    failing = sum(data.status_counts.get(s, 0) for s in ("failed", "error", "warned", "skipped"))
    total = sum(data.status_counts.values())
    if data.command != "build":
        return {"ok": None, "title": f"These are the results of `dbt {data.command}`",
                "text": "Only a full `dbt build` is evidence for a publication."}
    if failing:
        return {"ok": False, "title": f"{failing} of {total} build steps did not pass",
                "text": "Nothing from this build may be published; the previous publication "
                        "stays in place. See All checks."}
    if data.publication:
        return {"ok": True, "title": "Every check passed; this run is published",
                "text": f"All {total} build steps passed, the second line of checks passed on "
                        f"the copy, and {len(data.publication['tables'])} analyst tables were "
                        f"published at {_when(data.publication['published_at'])}."}
    if data.attempt and data.attempt.get("outcome", "").startswith("refused"):
        return {"ok": False, "title": "The build passed, but publishing was refused",
                "text": f"{data.attempt['outcome']}. The previous publication stays in place; "
                        f"see Validation & publication."}
    return {"ok": None, "title": f"All {total} build steps passed; not published yet",
            "text": "Run `privacy-warehouse publish` to validate and publish this build."}


def _when(iso: str) -> str:
    """`2026-11-25T08:21:04+00:00` -> `2026-11-25 08:21 UTC`."""
    try:
        return dt.datetime.fromisoformat(iso).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError):
        return str(iso)


def _month_label(value) -> str:
    return value.strftime("%b %y") if hasattr(value, "strftime") else str(value)[:7]


def _measures(data) -> list[str]:
    kinds = Counter(t.kind for t in data.tests)
    ge_total = sum(s["evaluated"] for s in (data.validation or {}).get("suites", []))
    measures = [
        "Business-development tables carry keyed pseudonyms (HMAC-SHA256 under a secret key "
        "that never passes through dbt), never raw ids "
        f"({kinds.get('privacy_pseudonym_format', 0)} format checks, "
        f"{kinds.get('privacy_no_identifier_leaks', 0)} leak scans).",
        f"k-anonymity with k = {data.k or '?'}: no published group or cell describes fewer "
        f"than k people ({kinds.get('privacy_k_anonymity', 0)} checks).",
        "Retention windows are computed for the evaluation date; no output holds a row past "
        f"its window ({kinds.get('privacy_within_retention_window', 0)} checks), and expired "
        "records are queued for erasure or anonymisation.",
        "Each output may hold only the data categories its purpose may use "
        f"({kinds.get('privacy_allowed_categories', 0)} checks); objections and consent are "
        f"applied before outputs are built ({kinds.get('privacy_objections_honoured', 0)} + "
        f"{kinds.get('privacy_consent_honoured', 0)} checks).",
        "Write–audit–publish: analysts read a separate copy, replaced atomically, only after "
        f"every build check and a second, independent validation ({ge_total} expectations) "
        "passed on it.",
        "Malformed landing rows are rejected with a reason and reconciled; failing checks "
        "report counts and keys, never personal values.",
    ]
    return measures


def _subjects(purpose) -> str:
    words = []
    for rule in purpose.rules:
        word = SUBJECT_WORDS.get(rule["subject_type"], rule["subject_type"])
        if word not in words:
            words.append(word)
    if any(pc["category"] == "third_party_contact" for pc, _ in purpose.categories):
        words.append("recipients of shipments")
    return ", ".join(words)


def render(data, folder: Path, links: list[tuple[str, str]]) -> list[Path]:
    """Write every page of the report into `folder`; return their paths."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    from privacy_warehouse.report import charts
    from privacy_warehouse.report.collect import rule_in_words

    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(["html", "j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    css = _stylesheet()
    purpose_pages = {p.key: f"purpose-{p.key}.html" for p in data.purposes}
    suites = (data.validation or {}).get("suites", [])
    failed_expectations = [(s["suite"], _Obj(e)) for s in suites for e in s["expectations"]
                           if not e["success"]]
    common = {
        "d": data, "css": css, "nav": NAV, "links": links, "purpose_pages": purpose_pages,
        "generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "rule_words": rule_in_words,
        "when": _when,
        "ge_total": sum(s["evaluated"] for s in suites),
        "ge_ok": sum(s["evaluated"] - s["failed"] for s in suites),
        "failed_expectations": failed_expectations,
        "data_docs": next((h for h, _ in links if h.startswith(DATA_DOCS)), None),
    }

    forecast_chart = forecast_legend = None
    if data.forecast:
        months = sorted({row["month_start"] for row in data.forecast})
        series = {}
        for p in data.purposes:
            values = {r["month_start"]: r["subjects_leaving"] or 0 for r in data.forecast
                      if r["purpose"] == p.key}
            series[p.title] = [values.get(m, 0) for m in months]
        forecast_chart = charts.stacked_columns(
            [_month_label(m) for m in months], series,
            "People leaving a purpose's retention window per month, by purpose")
        forecast_legend = charts.legend(list(series))
    rejected_by_reason = Counter()
    for row in data.rejected or []:
        rejected_by_reason[row["reason"]] += row["rejected"]
    leaving = [p.leaving_next_12_months for p in data.purposes]

    pages = {
        "index.html": ("index.html.j2", "Overview", {
            "verdict": _verdict(data),
            "forecast_chart": forecast_chart, "forecast_legend": forecast_legend,
            "leaving_total": None if data.forecast is None else sum(v or 0 for v in leaving),
            "rejected_total": (None if data.rejected is None
                               else sum(rejected_by_reason.values())),
        }),
        "traceability.html": ("traceability.html.j2", "Traceability",
                              {"seed_titles": SEED_TITLES}),
        "record-of-processing.html": ("record-of-processing.html.j2", "Record of processing", {
            "measures": _measures(data),
            "subjects": {p.key: _subjects(p) for p in data.purposes},
        }),
        "validation.html": ("validation.html.j2", "Validation & publication", {}),
        "landing.html": ("landing.html.j2", "Landing zone", {
            "rejected_chart": charts.horizontal_bars(
                rejected_by_reason.most_common(), "Rejected landing rows by reason"),
            "reasons": {r["reason"]: r["description"]
                        for r in data.seeds.get("policy_rejection_reasons", [])},
        }),
        "checks.html": ("checks.html.j2", "All checks", _checks_context(data)),
        "lineage.html": ("lineage.html.j2", "Lineage", {"lineage": data.lineage}),
    }
    for p in data.purposes:
        chart = None
        if p.forecast:
            chart = charts.stacked_columns(
                [_month_label(f["month_start"]) for f in p.forecast],
                {"people": [f["subjects_leaving"] or 0 for f in p.forecast]},
                f"{p.title}: people leaving the window per month")
        pages[purpose_pages[p.key]] = ("purpose.html.j2", p.title, {"p": p, "chart": chart})

    written = []
    for file_name, (template, title, context) in pages.items():
        html = env.get_template(template).render(**common, **context, page=file_name,
                                                 title=title)
        write_text_atomic(folder / file_name, html)
        written.append(folder / file_name)
    return written


def _checks_context(data) -> dict:
    from privacy_warehouse.report import charts

    counts = Counter(t.status for t in data.tests)
    ordered = sorted(counts.items(), key=lambda kv: STATUS_ORDER.index(kv[0])
                     if kv[0] in STATUS_ORDER else 99)
    def relation(test) -> str:
        return ",".join(data.models[m].relation if m in data.models else m
                        for m in test.model_ids)

    tests = sorted(data.tests, key=lambda t: (
        STATUS_ORDER.index(t.status) if t.status in STATUS_ORDER else 99,
        relation(t), t.kind, t.name))
    return {
        "status_counts": ordered, "ordered_tests": tests,
        "status_chart": charts.status_strip(dict(ordered), "Outcome of every check"),
    }


class _Obj(dict):
    """A dict whose keys read as attributes in templates (for JSON results)."""

    __getattr__ = dict.get


def write_runs_index(evidence_dir: Path) -> None:
    """EVIDENCE_DIR/index.html: every run with a report, newest first."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    runs = []
    for meta_path in Path(evidence_dir).glob("*/report.json"):
        try:
            runs.append(json.loads(meta_path.read_text(encoding="utf-8")))
        except ValueError:
            continue
    runs.sort(key=lambda r: r.get("built_at", ""), reverse=True)
    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    css = _stylesheet()
    write_text_atomic(Path(evidence_dir) / "index.html",
                      env.get_template("runs.html.j2").render(runs=runs, css=css))


def build_report(target_path: Path, evidence_dir: Path, warehouse_path: Path | None) -> Path:
    """Write the report of the build in `target_path`; return its index.html."""
    from privacy_warehouse.report.collect import collect

    build = _load(target_path)
    run_results, manifest = build.run_results, build.manifest
    folder = run_dir(evidence_dir, build.run_id)
    shapes, k = _settings(build)
    copy_dbt_artifacts(run_results, manifest, folder, shapes)

    links = []
    if (folder / DATA_DOCS / "index.html").is_file():
        links.append((f"{DATA_DOCS}/index.html", "Great Expectations Data Docs"))
    if _copy_dbt_docs(target_path, folder, manifest, shapes):
        links.append((f"{DBT_DOCS}/index.html", "dbt docs"))
    elif (folder / DBT_DOCS).exists():
        shutil.rmtree(folder / DBT_DOCS)
    links.append((RUN_RESULTS, "dbt run results"))
    links.append(("../index.html", "every run's evidence"))

    data = collect(run_results, manifest, warehouse_path, folder, k)
    data.lineage = _lineage(target_path, folder)
    render(data, folder, links)
    verdict = _verdict(data)
    write_json_atomic(folder / "report.json", {
        "run_id": data.run_id, "as_of": data.as_of, "built_at": data.built_at,
        "verdict": verdict["title"], "ok": verdict["ok"],
        "published": bool(data.publication),
    })
    write_runs_index(evidence_dir)
    secure_evidence(evidence_dir)  # the release's modes (report.evidence)
    return folder / "index.html"


def _lineage(target_path: Path, folder: Path) -> dict:
    """Column lineage of the build's purpose models (privacy_warehouse.lineage), written to
    lineage.json beside the pages: names of columns and functions, never a value."""
    from privacy_warehouse import lineage

    return lineage.write_lineage(target_path, folder / "lineage.json")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report", help="write the compliance report (static HTML) into the evidence folder",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("--target-path", default="target", type=Path,
                        help="dbt's target folder (default: target)")
    parser.add_argument("--evidence-dir", default=None, type=Path,
                        help="where runs' evidence lives (default: $EVIDENCE_DIR or evidence)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    evidence_dir = args.evidence_dir or Path(os.environ.get("EVIDENCE_DIR", "evidence"))
    warehouse = Path(os.environ.get("DUCKDB_PATH", "warehouse/warehouse.duckdb"))
    try:
        index = build_report(args.target_path, evidence_dir, warehouse)
    except (ReportError, ReleaseFilesError) as error:  # ReleaseFilesError: a bad PUBLISH_GROUP
        print(f"report: {error}", file=sys.stderr)
        return 1
    print(f"Report: {index}")
    return 0
