"""Column lineage of personal data (src/privacy_warehouse/lineage.py) over the compiled SQL of a
real build: every purpose model column traced to landing columns, its declared category equal to
the derived one, no direct identifier in a model that may not hold one unless pseudonymised,
counted or decided on by a declared derivation, no generaliser around a column it does not fit.

Lineage is a gate (issue 21): shown stopping on identifiers planted through a function, a join,
an aggregate, a struct, a list, a CTE and a generaliser that does not fit, each named by model and
column; on a model it cannot parse, unless the exceptions seed declares it with a reason; and in
the publish, before anything is written. Cheap: one `dbt compile` of a copy, the rest is Python
over manifests.
"""

from __future__ import annotations

import json
import shutil
import time

import duckdb
import pytest

from dbt_project_runner import PROJECT_ROOT
from privacy_warehouse import lineage
from privacy_warehouse.dbt_artifacts import MANIFEST, RUN_RESULTS, node_by_name, read_artifact
from privacy_warehouse.publish import PublishRefused, publish

PLANTED_HEADER = """{{ config(meta={
    'purpose': 'business_development',
    'retention': [{'subject_type': 'customer', 'key_column': 'customer_key'}],
}) }}
"""
# Each column carries (or decides on) a direct identifier in its own disguise.
PLANTED_MART = PLANTED_HEADER + """
{# Planted by tests/python/test_lineage.py: identifiers in disguise, each must stop the gate. #}
with customers as (

    select * from {{ ref('stg_booking__customers') }}

),

orders as (

    select * from {{ ref('stg_booking__orders') }}

),

renamed as (

    select
        customer_id,
        username as login
    from customers

),

final as (

    select
        reverse(customers.email) as email_reversed,
        md5(customers.personnummer || 'pepper') as personnummer_hash,
        substr(customers.phone, 4) as phone_tail,
        orders.recipient_name as recipient_joined,
        renamed.login as login_from_cte,
        {'p': customers.phone} as phone_struct,
        [customers.email, customers.customer_name] as contact_list,
        {{ generalise('customers.email', 'place', 'country') }} as email_as_place,
        {{ generalise('customers.personnummer', 'date', 'year') }} as personnummer_as_year,
        {{ generalise('customers.city', 'place', 'postal_region') }} as city_as_region,
        case
            when substr(customers.personnummer, 11, 1) in ('1', '3', '5', '7', '9') then 'm' else 'f'
        end as sex
    from customers
    inner join orders on customers.customer_id = orders.customer_id
    inner join renamed on customers.customer_id = renamed.customer_id

)

select * from final
"""
PLANTED_AGGREGATE = PLANTED_HEADER + """
{# Planted by tests/python/test_lineage.py: identifiers through aggregates. #}
select
    customer_type,
    string_agg(email, ',') as emails,
    max(personnummer) as a_personnummer,
    count(distinct phone) as phone_count
from {{ ref('stg_booking__customers') }}
group by customer_type
"""
# dbt compiles it (compiling runs nothing); sqlglot cannot parse it.
PLANTED_UNPARSABLE = PLANTED_HEADER + """
select customer_type from {{ ref('stg_booking__customers') }} where ((
"""
# (column, landing column, a word the message must hold): what each planted column carries.
PLANTED = [
    ("email_reversed", "booking.customers.email", "reverse"),
    ("personnummer_hash", "booking.customers.personnummer", "md5"),
    ("phone_tail", "booking.customers.phone", "substring"),
    ("recipient_joined", "booking.orders.recipient_name", "reaches"),
    ("login_from_cte", "booking.customers.username", "reaches"),
    ("phone_struct", "booking.customers.phone", "struct"),
    ("contact_list", "booking.customers.email", "array"),
    ("contact_list", "booking.customers.name", "array"),
    ("email_as_place", "booking.customers.email", "does not fit"),
    ("personnummer_as_year", "booking.customers.personnummer", "does not fit"),
    ("city_as_region", "booking.customers.city", "does not fit"),
    ("sex", "booking.customers.personnummer", "decides"),
]
PLANTED_AGGREGATES = [
    ("emails", "booking.customers.email", "group_concat"),
    ("a_personnummer", "booking.customers.personnummer", "max"),
]


def test_every_purpose_column_is_traced_and_agrees_with_its_declaration(handwritten_warehouse, tmp_path):
    started = time.perf_counter()
    document = lineage.write_lineage(handwritten_warehouse.target_path, tmp_path / "lineage.json",
                                     PROJECT_ROOT)
    elapsed = time.perf_counter() - started
    assert document["violations"] == []
    assert document["unparsed_models"] == []
    assert document["gate_problems"] == []
    print(f"lineage of the whole project: {elapsed:.2f} s, {len(document['columns'])} columns")

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
    # A band is decided by the personnummer, not made of it, through the declared derivation.
    age = traced[("dim_customers", "age_band")]
    from_personnummer = [o for o in age["origins"] if o["source"] == "booking.customers.personnummer"]
    assert from_personnummer and not any(o["flows"] for o in from_personnummer)
    assert all("generalise:age:band" in o["steps"] for o in from_personnummer)
    # The home area passes the place hierarchy's first level (macros/privacy/postal_area.sql).
    area = traced[("dim_customers", "home_area")]
    assert any(o["source"] == "booking.customers.postal_code" and o["flows"]
               and "generalise:place:postal_area" in o["steps"] for o in area["origins"])


@pytest.fixture(scope="module")
def planted_project(handwritten_warehouse, tmp_path_factory):
    """A copy of the project with the planted models, compiled once (only they are compiled;
    the other models' SQL is the session build's)."""
    project = handwritten_warehouse.copy(tmp_path_factory.mktemp("planted_lineage"))
    bizdev = project.root / "models" / "marts" / "bizdev"
    for name, sql in (("planted_identifiers", PLANTED_MART),
                      ("planted_aggregates", PLANTED_AGGREGATE),
                      ("planted_unparsable", PLANTED_UNPARSABLE)):
        (bizdev / f"{name}.sql").write_text(sql, encoding="utf-8")
    result = project.dbt("compile", "--select", "planted_identifiers planted_aggregates planted_unparsable")
    assert result.returncode == 0, result.output[-3000:]
    base = read_artifact(handwritten_warehouse.target_path, MANIFEST)
    manifest = read_artifact(project.target_path, MANIFEST)
    for uid, node in manifest["nodes"].items():
        if not node.get("compiled_code") and uid in base["nodes"]:
            node["compiled_code"] = base["nodes"][uid].get("compiled_code")
    started = time.perf_counter()
    problems = lineage.gate_problems(manifest, project.root)
    print(f"gate over the planted manifest: {time.perf_counter() - started:.2f} s, "
          f"{len(problems)} problems")
    return project, manifest, problems


def test_identifiers_planted_in_every_disguise_stop_the_gate(planted_project):
    """Through a function, a join, a CTE, a struct, a list, an aggregate, a generaliser that does
    not fit (place around an e-mail, date around a personnummer, place around a city) and a
    decision no derivation declares (sex from a personnummer): each stops the gate, naming model
    and column; a count of an identifier does not."""
    _, _, problems = planted_project

    def stopped(model: str, column: str, source: str) -> list[str]:
        return [p for p in problems if p.startswith(f"{model}.{column}: ") and source in p]

    for column, source, word in PLANTED:
        found = stopped("planted_identifiers", column, source)
        assert found, (column, source, problems)
        assert any(word in p for p in found), (column, word, found)
    for column, source, word in PLANTED_AGGREGATES:
        found = stopped("planted_aggregates", column, source)
        assert found and any(word in p for p in found), (column, word, problems)
    assert not stopped("planted_aggregates", "phone_count", "booking.customers.phone")
    # Nothing but the planted models is a problem: the gate passes the project as it is.
    assert [p for p in problems if not p.startswith("planted_")] == []


def test_a_non_fitting_place_level_publishes_unknown_not_the_value(planted_project):
    """Behind the gate, the SQL itself: a place level wrapped around an e-mail address gives
    `unknown` (macros/privacy/place_level.sql), never the address (run on the build's data)."""
    project, manifest, _ = planted_project
    sql = node_by_name(manifest, "planted_identifiers")["compiled_code"]
    con = duckdb.connect(str(project.duckdb_path), read_only=True)
    try:
        values = con.execute(f"select distinct email_as_place, city_as_region from ({sql}) as planted"
                             ).fetchall()
    finally:
        con.close()
    assert values, "the planted model selects rows"
    assert {value for row in values for value in row} <= {"unknown", None}, values


def test_an_unparsable_model_stops_the_gate_unless_excused_with_a_reason(planted_project):
    project, manifest, problems = planted_project
    unread = [p for p in problems if p.startswith("planted_unparsable: lineage cannot read")]
    assert unread and "lineage_exceptions.csv" in unread[0], problems
    assert "((" not in unread[0], "the message names where, not the SQL"

    # The exceptions seed, read again: only the unparsable model and the seeds need tracing.
    alone = {**manifest, "nodes": {uid: node for uid, node in manifest["nodes"].items()
                                   if node["name"] == "planted_unparsable"
                                   or node["resource_type"] == "seed"}}
    seed = project.root / lineage.EXCEPTIONS_FILE
    header = seed.read_text(encoding="utf-8")
    try:
        seed.write_text(header + "planted_unparsable,\n", encoding="utf-8")
        problems = lineage.gate_problems(alone, project.root)
        assert "planted_unparsable: declared in seeds/project/lineage_exceptions.csv without a " \
            "reason" in problems
        assert [p for p in problems if p.startswith("planted_unparsable: lineage cannot read")]

        reason = "planted by test_lineage.py: deliberately unparsable"
        seed.write_text(header + f"planted_unparsable,{reason}\n", encoding="utf-8")
        checked = lineage.check(alone, project.root)
        assert not [p for p in checked.problems() if p.startswith("planted_unparsable")]
        assert checked.excused == {"planted_unparsable": reason}
    finally:
        seed.write_text(header, encoding="utf-8")


def test_the_publish_refuses_before_writing_when_lineage_finds_an_identifier(handwritten_warehouse,
                                                                           tmp_path):
    """The gate in the publish: the session's green build, its manifest changed so that
    dim_customers' key is the e-mail address. The audit passes everything else; lineage refuses,
    naming model and column, and nothing is written under PUBLISH_DIR."""
    target = tmp_path / "target"
    target.mkdir()
    shutil.copy2(handwritten_warehouse.target_path / RUN_RESULTS, target / RUN_RESULTS)
    manifest = read_artifact(handwritten_warehouse.target_path, MANIFEST)
    customers = node_by_name(manifest, "stg_booking__customers")
    relation = f'"{customers["database"]}"."{customers["schema"]}"."{customers["alias"]}"'
    dim = node_by_name(manifest, "dim_customers")
    dim["compiled_code"] = (f"select lower(email) as customer_key, customer_type, 'unknown' as age_band, "
                            f"'unknown' as home_area, 'under_1_year' as tenure_band from {relation}")
    (target / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")

    with pytest.raises(PublishRefused) as refusal:
        publish(target_path=target, warehouse_path=handwritten_warehouse.duckdb_path,
                publish_dir=tmp_path / "publish", evidence_dir=tmp_path / "evidence",
                requested_vars={"as_of": handwritten_warehouse.as_of})
    message = str(refusal.value)
    assert "lineage: dim_customers.customer_key: direct identifier booking.customers.email" in message
    assert not (tmp_path / "publish" / "analytics.duckdb").exists()
    attempts = list((tmp_path / "evidence").rglob("publish-attempt.json"))
    assert attempts and "dim_customers.customer_key" in attempts[0].read_text(encoding="utf-8")


def test_a_declared_category_that_is_not_the_derived_one_fails(handwritten_warehouse):
    manifest = read_artifact(handwritten_warehouse.target_path, MANIFEST)
    node = next(n for n in manifest["nodes"].values() if n["name"] == "fct_orders")
    node["columns"]["price_band_sek"]["meta"]["category"] = "non_personal"
    traced = lineage.Lineage(manifest, PROJECT_ROOT)
    policy = lineage.Policy(traced, PROJECT_ROOT)
    assert lineage.violations(lineage.purpose_columns(traced, policy), policy) == [
        "fct_orders.price_band_sek: declared non_personal, its origins make it "
        "invoicing or order or purchase_pattern"]


def _tiny_manifest(compiled: str, adapter_type: str = "duckdb") -> dict:
    """One landing table and one bizdev model compiled to `compiled`, its column `value`."""
    return {
        "metadata": {"adapter_type": adapter_type},
        "sources": {"source.p.crm.leads": {
            "source_name": "crm", "name": "leads", "schema": "raw", "identifier": "leads",
            "columns": {
                "lead_id": {"meta": {"category": "identifier", "direct_identifier": True}},
                "phone": {"meta": {"category": "contact", "direct_identifier": True}},
                "personnummer": {"meta": {"category": "national_id", "direct_identifier": True,
                                          "format": "personnummer"}},
                "postal_code": {"meta": {"category": "contact", "kind": "postal_code"}},
                "obtained_at": {"data_type": "timestamp", "meta": {"category": "contact"}},
            }}},
        "nodes": {"model.p.leads_planted": {
            "resource_type": "model", "name": "leads_planted", "schema": "bizdev",
            "alias": "leads_planted", "compiled_code": compiled,
            "depends_on": {"nodes": []},
            "config": {"meta": {"purpose": "business_development"}},
            "columns": {"value": {"meta": {"category": "contact"}}}}},
    }


def _traced(sql: str, adapter_type: str = "duckdb") -> tuple[list[tuple[str, ...]], list[str]]:
    """(the steps of each origin of `value`, the violations other than its category)."""
    traced = lineage.Lineage(_tiny_manifest(sql, adapter_type), PROJECT_ROOT)
    policy = lineage.Policy(traced, PROJECT_ROOT)
    columns = lineage.purpose_columns(traced, policy)
    return ([o.steps for o in columns[0].origins],
            [v for v in lineage.violations(columns, policy) if ": declared " not in v])


def _marked(expression: str, mark: str) -> str:
    return f"select ({expression} /* privacy:generalise {mark} */) as value from raw.leads"


def test_a_generaliser_counts_only_around_what_its_hierarchy_fits():
    """dbt_project.yml's hierarchies declare the kinds they generalise and the identifiers they
    may derive from; a generaliser around anything else counts as none."""
    fits = {
        "postal code at place": _marked("substr(postal_code, 1, 2)", "place:postal_area"),
        "timestamp at date": _marked("cast(obtained_at as date)", "date:month"),
        "age band decided by a personnummer": _marked(
            "case when personnummer < '1960' then '65_plus' else 'under_30' end", "age:band"),
        "a count of phones": "select count(distinct phone) as value from raw.leads",
    }
    for case, sql in fits.items():
        assert _traced(sql)[1] == [], case

    misfits = {
        "phone at place": (_marked("substr(phone, 1, 4)", "place:postal_area"),
                           "hierarchy place may derive from no direct identifier"),
        "postal code at price": (_marked("cast(postal_code as integer)", "price_sek:band_50"),
                                 "hierarchy price_sek generalises amount (kinds), not postal_code"),
        "an undeclared hierarchy": (_marked("substr(phone, 1, 4)", "phone_prefix"),
                                    "names no hierarchy"),
        "a personnummer carried by the age band": (_marked("substr(personnummer, 1, 8)", "age:band"),
                                                   "may let crm.leads.personnummer decide a value, "
                                                   "not carry it"),
    }
    for case, (sql, why) in misfits.items():
        problems = _traced(sql)[1]
        assert any(p.startswith("leads_planted.value: ") and why in p for p in problems), (case, problems)

    steps, problems = _traced("select substr(phone, 1, 4) as value from raw.leads")
    assert steps == [("substring",)]
    assert problems == [
        "leads_planted.value: direct identifier crm.leads.phone reaches purpose "
        "business_development (no identifiers) through substring, not pseudonymise() or a "
        "generaliser that fits it"]
    _, problems = _traced("select case when personnummer like '19%' then 'old' end as value "
                          "from raw.leads")
    assert problems == [
        "leads_planted.value: direct identifier crm.leads.personnummer decides a value of purpose "
        "business_development (no identifiers) through condition -> condition -> case, not a count or a "
        "declared derivation (generalisation_hierarchies.*.derives_from)"]


def test_only_the_hmac_over_the_pad_table_counts_as_pseudonymise():
    """DuckDB's pseudonymise() compiles to two sha256() over the purpose key's pads (a subquery
    of the pad table); the same two hashes over literals are an unkeyed hash, and fail."""
    pad = ("(select pads.{} from temp.main.pseudonym_hmac_pads as pads "
           "where pads.purpose = 'business_development')")
    keyed = (f"select sha256(coalesce({pad.format('outer_pad')}, error('no pads')) || "
             f"unhex(sha256({pad.format('inner_pad')} || encode(cast(phone as varchar))))) "
             "as value from raw.leads")
    unkeyed = ("select sha256('outer' || unhex(sha256('inner' || encode(cast(phone as varchar))))) "
               "as value from raw.leads")
    steps, problems = _traced(keyed)
    assert steps == [("cast", "pseudonymise")]
    assert problems == []
    assert [v for v in _traced(unkeyed)[1] if "through cast -> encode -> dpipe -> sha2 -> unhex -> "
            "dpipe -> sha2, not pseudonymise()" in v]


def test_spark_and_postgres_forms_of_pseudonymise_are_known_and_only_with_their_keys():
    """Spark's pseudonymise() (macros/privacy/pseudonymise.sql) is sha2(concat(<pad>, ...)) over
    private.pseudonym_hmac_pads; PostgreSQL's is hmac() keyed by private.pseudonym_purpose_keys.
    The same shapes under a literal key are unkeyed hashes, and fail."""
    pad = "(select pads.{} from private.pseudonym_hmac_pads as pads where pads.purpose = 'bd')"
    message = "cast('lead' || ':' || cast(phone as string) as binary)"
    spark = ("select sha2(concat({outer}, unhex(sha2(concat({inner}, " + message + "), 256))), 256) "
             "as value from raw.leads")
    keyed = spark.format(outer=pad.format("outer_pad"), inner=pad.format("inner_pad"))
    unkeyed = spark.format(outer="cast('o' as binary)", inner="cast('i' as binary)")
    steps, problems = _traced(keyed, "spark")
    assert steps and all(s[-1] == "pseudonymise" for s in steps), steps
    assert problems == []
    assert [p for p in _traced(unkeyed, "spark")[1] if "not pseudonymise()" in p]

    key = "(select purpose_keys.purpose_key from private.pseudonym_purpose_keys as purpose_keys)"
    postgres = ("select encode(hmac(convert_to(cast(phone as varchar), 'UTF8'), {key}, 'sha256'), "
                "'hex') as value from raw.leads")
    steps, problems = _traced(postgres.format(key=key), "postgres")
    assert steps and all("pseudonymise" in s for s in steps), steps
    assert problems == []
    assert [p for p in _traced(postgres.format(key="'secret'"), "postgres")[1]
            if "hmac_unkeyed" in p]


def test_an_incremental_model_reading_itself_is_traced_through_its_other_branches():
    """An incremental model's compiled SQL reads its own earlier rows (`{{ this }}`, the
    quarantine models after a day's build): the trace ends there and keeps the origins of the
    other branches (it recursed without end before issue 20's fix)."""
    steps, _ = _traced(
        "with new_rows as (select phone from raw.leads), "
        "source_rows as (select phone from new_rows union all "
        "select judged.value as phone from bizdev.leads_planted as judged "
        "where judged.value in (select phone from new_rows)) "
        "select phone as value from source_rows")
    assert steps == [()]
