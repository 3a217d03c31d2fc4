"""The leak scan against an attacker's spelling: each disguise of issue 12 is shown failing
`privacy_no_identifier_leaks` on its own planted model, and ordinary closed-vocabulary values
(routes, areas, bands) pass it.

One copy of the hand-written warehouse gets one small model per planted value (and one of clean
values); a single `dbt build` of those models runs their leak scans. The identifiers searched
for inside text are the hand-written zone's (customer C-1: Jörgen Åkesson, Storgatan 1, username
`jorgen`).
"""

from __future__ import annotations

import pytest

# case -> SQL expression of the planted text (a literal, or built with chr(10) for a newline)
PLANTED = {
    "email_at_in_parentheses": "'/kontakt/anna.svensson(at)exempel.se'",
    "email_at_in_brackets": "'/kontakt/anna.svensson [at] exempel.se'",
    "email_percent_40": "'/kontakt?fran=anna.svensson%40exempel.se'",
    "personnummer_with_space": "'/kund/19800101 1234'",
    "personnummer_with_hyphen": "'/kund/800101-1234'",
    "personnummer_percent_encoded": "'/kund/%31%39%38%30%30%31%30%31-1234'",
    "personnummer_after_newline": "'/a' || chr(10) || '19800101-1234 ring 0701234567'",
    "phone_plus_46_hyphen": "'ring +46 70-123 45 67'",
    "phone_plus_46_zero_in_parentheses": "'ring +46 (0)70 123 45 67'",
    "phone_0046": "'ring 0046701234567'",
    "phone_stockholm_landline": "'/ring/08-123 456 78'",
    "phone_after_encoded_newline": "'/a%0Aring%20070%20123%2045%2067'",
    "name_with_street": "'/leverans/Jörgen Åkesson, Storgatan 1'",
    "name_percent_encoded": "'/leverans/j%C3%B6rgen%20%C3%A5kesson'",
    "raw_id_inside_path": "'/mina-sidor/jorgen/ordrar'",
    "country_code_with_name_and_phone": "'SE Jörgen Åkesson +46702220001'",
}

CLEAN = [
    "/", "/boka/express", "/mina-sidor/ordrar/{id}", "/partner/widget/pris", "other",
    "SE-11", "SE-1", "NO", "same_day", "airport_to_airport", "delivered_and_paid",
    "not_delivered", "5_years_plus", "under_1_year", "45_64", "desktop", "unknown",
    "2026-06-30", "2026-W27", "250-499", "/boka%3Ftjanst%3Dexpress",
]

FOLDER = "models/marts/bizdev/planted"


def _model_yaml(names: list[str]) -> str:
    lines = ["version: 2", "models:"]
    for name in names:
        lines += [f"  - name: {name}", "    description: Planted.",
                  "    data_tests: [privacy_no_identifier_leaks]"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def planted_build(handwritten_warehouse, tmp_path_factory):
    project = handwritten_warehouse.copy(tmp_path_factory.mktemp("leak_disguises"))
    folder = project.root / FOLDER
    folder.mkdir(parents=True)
    names = []
    for case, expression in PLANTED.items():
        name = f"planted_{case}"
        (folder / f"{name}.sql").write_text(
            f"select cast({expression} as varchar) as planted_text\n", encoding="utf-8")
        names.append(name)
    clean_rows = " union all ".join(
        f"select cast('{value}' as varchar) as planted_text" for value in CLEAN)
    (folder / "planted_clean_values.sql").write_text(clean_rows + "\n", encoding="utf-8")
    names.append("planted_clean_values")
    (folder / "_planted__models.yml").write_text(_model_yaml(names), encoding="utf-8")
    result = project.build("-s", f"path:{FOLDER}", "--exclude", "test_type:unit")
    return result


@pytest.mark.parametrize("case", list(PLANTED))
def test_each_disguise_fails_the_leak_scan(planted_build, case):
    failed = planted_build.failed_test_names()
    assert any(name.startswith(f"privacy_no_identifier_leaks_planted_{case}")
               for name in failed), (case, sorted(failed), planted_build.output[-3000:])


def test_closed_vocabulary_values_pass_the_leak_scan(planted_build):
    """No false positive on what the release publishes: routes, areas, bands, dates."""
    statuses = planted_build.statuses()
    clean = [uid for uid in statuses
             if uid.startswith("test.") and "planted_clean_values" in uid]
    assert clean, planted_build.output[-3000:]
    assert all(statuses[uid] == "pass" for uid in clean), planted_build.output[-3000:]
    # every planted model was built: a failure above is the scan's, not a broken model's
    models = [uid for uid in statuses if uid.startswith("model.")]
    assert len(models) == len(PLANTED) + 1
    assert all(statuses[uid] == "success" for uid in models), planted_build.output[-3000:]


def test_the_failure_names_columns_and_counts_never_the_values(planted_build):
    for value in ("anna.svensson", "19800101", "Storgatan", "0701234567"):
        assert value not in planted_build.output
