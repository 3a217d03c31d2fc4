"""Column lineage of personal data (src/privacy_warehouse/lineage.py) over the compiled SQL of a
real build: every purpose model column traced to landing columns, its declared category equal to
the derived one, no direct identifier in a model that may not hold one unless pseudonymised or
generalised. Shown failing on three planted derivations in a bizdev mart.
"""

from __future__ import annotations

import time

from dbt_project_runner import PROJECT_ROOT
from privacy_warehouse import lineage
from privacy_warehouse.dbt_artifacts import MANIFEST, read_artifact

PLANTED_MART = """{{ config(meta={
    'purpose': 'business_development',
    'retention': [{'subject_type': 'customer', 'key_column': 'customer_key'}],
}) }}
{# Planted by tests/python/test_lineage.py: three derivations that keep the identifier. #}
select
    reverse(email) as email_reversed,
    md5(personnummer || 'pepper') as personnummer_hash,
    substr(phone, 4) as phone_tail
from {{ ref('stg_booking__customers') }}
"""


def test_every_purpose_column_is_traced_and_agrees_with_its_declaration(handwritten_warehouse, tmp_path):
    started = time.perf_counter()
    document = lineage.write_lineage(handwritten_warehouse.target_path, tmp_path / "lineage.json",
                                     PROJECT_ROOT)
    elapsed = time.perf_counter() - started
    assert document["violations"] == []
    assert document["unparsed_models"] == []
    assert elapsed < 60, f"lineage took {elapsed:.1f} s"

    manifest = read_artifact(handwritten_warehouse.target_path, MANIFEST)
    expected = {
        (node["name"], column)
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and (node["config"].get("meta") or {}).get("purpose")
        for column in node["columns"]
    }
    traced = {(c["model"], c["column"]): c for c in document["columns"]}
    assert expected <= set(traced), expected - set(traced)

    key = traced[("dim_customers", "customer_key")]
    assert key["derived_categories"] == ["pseudonym"]
    assert any(o["source"] == "booking.customers.customer_id" and "pseudonymise" in o["steps"]
               for o in key["origins"])
    email = traced[("customers", "email")]
    assert [(o["source"], o["steps"]) for o in email["origins"]] == [
        ("booking.customers.email", ["trim", "lower"])]
    # A band is decided by the personnummer, not made of it.
    age = traced[("dim_customers", "age_band")]
    assert age["origins"] and not any(o["flows"] for o in age["origins"]
                                      if o["source"] == "booking.customers.personnummer")


def test_planted_derivations_of_identifiers_fail(handwritten_warehouse, tmp_path):
    """reverse(email), md5(personnummer || 'pepper') and substr(phone, 4) in a bizdev mart:
    each keeps a direct identifier, none is pseudonymise() or a generaliser."""
    project = handwritten_warehouse.copy(tmp_path)
    (project.root / "models" / "marts" / "bizdev" / "planted_identifiers.sql").write_text(
        PLANTED_MART, encoding="utf-8")
    result = project.dbt("compile", "--select", "planted_identifiers")
    assert result.returncode == 0, result.output[-3000:]

    # The compile filled in only the planted model's SQL; the others are the build's.
    base = read_artifact(handwritten_warehouse.target_path, MANIFEST)
    manifest = read_artifact(project.target_path, MANIFEST)
    for uid, node in manifest["nodes"].items():
        if not node.get("compiled_code") and uid in base["nodes"]:
            node["compiled_code"] = base["nodes"][uid].get("compiled_code")
    traced = lineage.Lineage(manifest, project.root)
    policy = lineage.Policy(traced, project.root)
    found = [v for v in lineage.violations(lineage.purpose_columns(traced, policy), policy)
             if v.startswith("planted_identifiers.")]

    def broken(column: str, source: str) -> list[str]:
        return [v for v in found if v.startswith(f"planted_identifiers.{column}: direct identifier {source}")]

    assert broken("email_reversed", "booking.customers.email"), found
    assert broken("personnummer_hash", "booking.customers.personnummer"), found
    assert broken("phone_tail", "booking.customers.phone"), found
    assert "reverse" in broken("email_reversed", "booking.customers.email")[0]
    assert "md5" in broken("personnummer_hash", "booking.customers.personnummer")[0]


def test_a_declared_category_that_is_not_the_derived_one_fails(handwritten_warehouse):
    manifest = read_artifact(handwritten_warehouse.target_path, MANIFEST)
    node = next(n for n in manifest["nodes"].values() if n["name"] == "fct_orders")
    node["columns"]["price_band_sek"]["meta"]["category"] = "non_personal"
    traced = lineage.Lineage(manifest, PROJECT_ROOT)
    policy = lineage.Policy(traced, PROJECT_ROOT)
    assert lineage.violations(lineage.purpose_columns(traced, policy), policy) == [
        "fct_orders.price_band_sek: declared non_personal, its origins make it "
        "invoicing or order or purchase_pattern"]


def _tiny_manifest(compiled: str) -> dict:
    """One landing table and one bizdev model compiled to `compiled`."""
    return {
        "metadata": {"adapter_type": "duckdb"},
        "sources": {"source.p.crm.leads": {
            "source_name": "crm", "name": "leads", "schema": "raw", "identifier": "leads",
            "columns": {"lead_id": {"meta": {"category": "identifier", "direct_identifier": True}},
                        "phone": {"meta": {"category": "contact", "direct_identifier": True}}}}},
        "nodes": {"model.p.leads_by_prefix": {
            "resource_type": "model", "name": "leads_by_prefix", "schema": "bizdev",
            "alias": "leads_by_prefix", "compiled_code": compiled,
            "depends_on": {"nodes": []},
            "config": {"meta": {"purpose": "business_development"}},
            "columns": {"phone_prefix": {"meta": {"category": "contact"}}}}},
    }


def test_a_declared_generaliser_lets_an_identifier_through_and_nothing_else_does():
    marked = ("select (substr(phone, 1, 4) /* privacy:generalise phone_prefix */) as phone_prefix "
              "from raw.leads")
    unmarked = "select substr(phone, 1, 4) as phone_prefix from raw.leads"
    results = {}
    for label, sql in (("marked", marked), ("unmarked", unmarked)):
        traced = lineage.Lineage(_tiny_manifest(sql), PROJECT_ROOT)
        policy = lineage.Policy(traced, PROJECT_ROOT)
        columns = lineage.purpose_columns(traced, policy)
        results[label] = (columns[0].origins, lineage.violations(columns, policy))
    origins, problems = results["marked"]
    assert [o.steps for o in origins] == [("substring", "generalise:phone_prefix")]
    assert problems == []
    assert results["unmarked"][1] == [
        "leads_by_prefix.phone_prefix: direct identifier crm.leads.phone reaches purpose "
        "business_development (no identifiers) through substring, not pseudonymise() or a generaliser"]


def test_only_the_hmac_over_the_pad_table_counts_as_pseudonymise():
    """DuckDB's pseudonymise() compiles to two sha256() over the purpose key's pads (a subquery
    of the pad table); the same two hashes over literals are an unkeyed hash, and fail."""
    pad = ("(select pads.{} from temp.main.pseudonym_hmac_pads as pads "
           "where pads.purpose = 'business_development')")
    keyed = (f"select sha256(coalesce({pad.format('outer_pad')}, error('no pads')) || "
             f"unhex(sha256({pad.format('inner_pad')} || encode(cast(phone as varchar))))) "
             "as phone_key from raw.leads")
    unkeyed = ("select sha256('outer' || unhex(sha256('inner' || encode(cast(phone as varchar))))) "
               "as phone_key from raw.leads")
    results = {}
    for label, sql in (("keyed", keyed), ("unkeyed", unkeyed)):
        traced = lineage.Lineage(_tiny_manifest(sql), PROJECT_ROOT)
        policy = lineage.Policy(traced, PROJECT_ROOT)
        columns = lineage.purpose_columns(traced, policy)
        results[label] = ([o.steps for o in columns[0].origins], lineage.violations(columns, policy))
    assert results["keyed"][0] == [("cast", "pseudonymise")]
    assert not [v for v in results["keyed"][1] if "not pseudonymise()" in v]
    assert [v for v in results["unkeyed"][1] if "through cast -> encode -> dpipe -> sha2 -> unhex -> "
            "dpipe -> sha2, not pseudonymise()" in v]
