"""A test that cannot fail is a defect: each privacy test is shown failing on a planted
violation, and it is that test, and no other, that fails.

Each case copies the project and its built warehouse, plants one violation in one model's SQL
(or declaration), rebuilds only that model with its tests, and reads dbt's run_results.json.
"""

from __future__ import annotations

import pytest

# The business-development facts are worked out in private models and published by
# int_bizdev_<mart>_classed -> the mart: a planted fact goes into the private model, and the
# models between it and the mart are rebuilt with it.
ORDERS_CHAIN = ("int_bizdev_order_facts int_bizdev_orders_exact int_bizdev_orders_classed "
                "int_bizdev_row_owners fct_orders")
SESSIONS_CHAIN = ("int_bizdev_sessions_exact int_bizdev_sessions_classed int_bizdev_row_owners "
                  "fct_web_sessions")

MUTATIONS = {
    "retention window": dict(
        path="models/intermediate/private/int_bizdev_orders_exact.sql",
        old="inner join published_customers on orders.customer_id = published_customers.customer_id",
        new="left join published_customers on orders.customer_id = published_customers.customer_id",
        select=ORDERS_CHAIN,
        fails={"privacy_within_retention_window_fct_orders_"},
    ),
    "category not allowed for the purpose": dict(
        path="models/marts/sales/pipeline.sql",
        old="subjects.contact_name,",
        new="subjects.contact_name,\n        cast(null as varchar) as personnummer,",
        yml=("models/marts/sales/_sales__models.yml",
             "  - name: contact_name\n",
             "  - name: personnummer\n    description: Planted.\n    data_type: varchar\n"
             "    meta:\n      category: national_id\n  - name: contact_name\n"),
        select="pipeline",
        fails={"privacy_allowed_categories_pipeline_"},
    ),
    "a real e-mail in a bizdev column": dict(
        path="models/intermediate/private/int_bizdev_sessions_exact.sql",
        old="            page_path,\n            row_number()",
        new="            url_path as page_path,\n            row_number()",
        # ... published as written rather than as a route of the site
        also=[("models/intermediate/private/int_bizdev_sessions_exact.sql",
               "coalesce(site_routes.route, 'other') as entry_route",
               "entry_pages.entry_page_path as entry_route")],
        select=SESSIONS_CHAIN,
        fails={"privacy_no_identifier_leaks_fct_web_sessions_",
               "privacy_closed_vocabulary_fct_web_sessions_"},
    ),
    "a published free-text column": dict(
        path="models/marts/bizdev/fct_web_sessions.sql",
        old="        keys.pseudonym as session_key,\n",
        new="        keys.pseudonym as session_key,\n        cast('Hej' as varchar) as visitor_note,\n",
        yml=("models/marts/bizdev/_bizdev__models.yml",
             "      - name: entry_page_path\n",
             "      - name: visitor_note\n        description: Planted.\n        data_type: varchar\n"
             "        meta: {category: browsing}\n      - name: entry_page_path\n"),
        select="fct_web_sessions",
        fails={"privacy_closed_vocabulary_fct_web_sessions_"},
    ),
    "a value outside its closed vocabulary": dict(
        path="models/intermediate/private/int_bizdev_sessions_exact.sql",
        old="        min(site) as site,\n",
        new="        cast('tablet' as varchar) as site,\n",
        select=SESSIONS_CHAIN,
        fails={"privacy_closed_vocabulary_fct_web_sessions_"},
    ),
    # A row's own pseudonym also names its person for the retention test (through the private
    # map of row owners): a key that is not the pseudonym fails that test too, closed.
    "an unkeyed hash instead of a pseudonym": dict(
        path="models/marts/bizdev/fct_orders.sql",
        old="keys.pseudonym as order_key,",
        new="sha256(classed.order_id) as order_key,",
        select="fct_orders",
        fails={"privacy_no_identifier_leaks_fct_orders_"},
        may_also_fail={"privacy_within_retention_window_fct_orders_"},
    ),
    "a raw identifier in a text column": dict(
        path="models/intermediate/private/int_bizdev_order_facts.sql",
        old="orders.service,",
        new="orders.recipient_name as service,",
        select=ORDERS_CHAIN,
        # ... and, as text outside service's vocabulary, the closed-vocabulary test
        fails={"privacy_no_identifier_leaks_fct_orders_", "privacy_closed_vocabulary_fct_orders_"},
    ),
    "an unkeyed md5 in a text column": dict(
        path="models/intermediate/private/int_bizdev_order_facts.sql",
        old="orders.service,",
        new="md5(orders.customer_id) as service,",
        select=ORDERS_CHAIN,
        # ... and, as text outside service's vocabulary, the closed-vocabulary test
        fails={"privacy_no_identifier_leaks_fct_orders_", "privacy_closed_vocabulary_fct_orders_"},
    ),
    "a malformed pseudonym": dict(
        path="models/marts/bizdev/fct_orders.sql",
        old="keys.pseudonym as order_key,",
        new="'ord-' || keys.pseudonym as order_key,",
        select="fct_orders",
        fails={"privacy_pseudonym_format_fct_orders_"},
        may_also_fail={"privacy_within_retention_window_fct_orders_"},
    ),
    "a quasi-identifier group under k": dict(
        path="models/marts/bizdev/dim_customers.sql",
        old="where not is_suppressed",
        new="where true",
        # The hand-written zone is built at k = 1 (conftest); at k = 2 its classes of one
        # customer are under k, and the planted dimension publishes them.
        select="int_bizdev_customers_classed dim_customers",
        vars={"k_anonymity": 2},
        fails={"privacy_k_anonymity_dim_customers_"},
    ),
    "an objection ignored": dict(
        path="models/marts/marketing/interest_scores.sql",
        old="where purpose = 'marketing' and is_eligible",
        new="where purpose = 'marketing' and within_window",
        select="interest_scores",
        fails={"privacy_objections_honoured_interest_scores_"},
    ),
    "a channel used without consent": dict(
        path="models/marts/marketing/direct_marketing_audience.sql",
        old="(not candidates.needs_consent or coalesce(consents.has_consent, false))",
        new="true",
        select="direct_marketing_audience",
        fails={"privacy_consent_honoured_direct_marketing_audience_"},
    ),
    "a mart without a purpose": dict(
        path="models/marts/bizdev/fct_orders.sql",
        old="'purpose': 'business_development',",
        new="",
        select="fct_orders assert_purpose_models_carry_privacy_tests",
        fails={"assert_purpose_models_carry_privacy_tests"},
        may_also_error=True,
    ),
}


@pytest.mark.parametrize("case", list(MUTATIONS))
def test_privacy_test_fails_on_its_planted_violation(handwritten_warehouse, tmp_path, case):
    mutation = MUTATIONS[case]
    project = handwritten_warehouse.copy(tmp_path)
    project.edit(mutation["path"], mutation["old"], mutation["new"])
    if "yml" in mutation:
        project.edit(*mutation["yml"])
    for edit in mutation.get("also", []):
        project.edit(*edit)

    before = project.build("-s", *mutation["select"].split(), "--exclude", "test_type:unit",
                           vars=mutation.get("vars"))
    failed = {name.rstrip("_") + "_" if not name.startswith("assert_") else name
              for name in before.failed_test_names()}
    # The labels carry a hash suffix for long names; compare on the readable prefix.
    failed_prefixes = {f for f in failed if any(f.startswith(x) for x in mutation["fails"])}
    assert failed_prefixes, (case, before.failed_test_names(), before.output[-3000:])
    expected = mutation["fails"] | mutation.get("may_also_fail", set())
    others = {
        f for f in before.failed_test_names()
        if not any(f.startswith(x.rstrip("_")) for x in expected)
    }
    if mutation.get("may_also_error"):
        # Without a purpose the model's own privacy tests cannot resolve it either.
        others = {o for o in others if not o.startswith("privacy_")}
    assert not others, (case, others)


def test_the_unmutated_models_pass_the_same_tests(handwritten_warehouse, tmp_path):
    """The baseline: on the real models every privacy test passes."""
    result = handwritten_warehouse.copy(tmp_path).dbt(
        "test", "-s", "fct_orders", "fct_web_sessions", "dim_customers", "pipeline",
        "interest_scores", "direct_marketing_audience", "assert_purpose_models_carry_privacy_tests",
    )
    assert result.returncode == 0, result.output[-3000:]
    assert not result.failed()
