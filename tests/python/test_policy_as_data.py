"""The policy lives once, as data: changing a number in a seed changes every window, mart and
test with no code change; and a build can be replayed for any day."""

from __future__ import annotations

from datetime import date

from privacy_warehouse.dbt_artifacts import MANIFEST, read_artifact


def _contract_customers(project):
    return {c for (c,) in project.query("select customer_id from contract_admin.customers")}


def test_hand_worked_windows(handwritten_warehouse):
    deadlines = {
        (t, s, p): (str(u) if u else None, w)
        for t, s, p, u, w in handwritten_warehouse.query(
            "select subject_type, subject_id, purpose, retention_until, within_window "
            "from compliance.retention_deadlines"
        )
    }
    # C-2's order closed 2023-06-30 (paid in full that day): 36 months later is as_of, inside.
    assert deadlines[("customer", "C-2", "marketing")] == ("2026-06-30", True)
    # C-5's relationship ended 2019-03-02: outside every customer window ...
    assert deadlines[("customer", "C-5", "business_development")] == ("2022-03-02", False)
    # ... while C-3's open legal hold keeps contract administration open, and only that.
    assert deadlines[("customer", "C-3", "contract_administration")] == (None, True)
    assert deadlines[("customer", "C-3", "marketing")][1] is False
    # Leads: 12 months from obtained, inclusive.
    assert deadlines[("lead", "L-1", "sales")] == ("2026-06-30", True)
    assert deadlines[("lead", "L-2", "sales")] == ("2026-06-29", False)
    assert _contract_customers(handwritten_warehouse) == {"C-1", "C-2", "C-3", "C-4"}
    invoices = dict(handwritten_warehouse.query(
        "select invoice_id, retained_until from legal.bookkeeping_invoices"))
    assert set(invoices) == {"I-2"}  # I-1 of 2018-12-31 was kept through 2025-12-31


def test_changing_a_seed_number_changes_every_window(handwritten_warehouse, tmp_path):
    project = handwritten_warehouse.copy(tmp_path)
    project.edit(
        "seeds/policy/policy_retention_rules.csv",
        "contract_administration.customer,contract_administration,customer,relationship_plus_months,36",
        "contract_administration.customer,contract_administration,customer,relationship_plus_months,24",
    )
    result = project.build()
    assert result.returncode == 0, result.output[-3000:]
    until = dict(project.query(
        "select subject_id, retention_until from compliance.retention_deadlines "
        "where purpose = 'contract_administration' and subject_id = 'C-2'"))
    assert str(until["C-2"]) == "2025-06-30"
    # The mart follows, and its retention test (which read the same seed) still passes.
    assert _contract_customers(project) == {"C-1", "C-3", "C-4"}
    retention_tests = [uid for uid, status in result.statuses().items()
                       if "privacy_within_retention_window" in uid]
    assert retention_tests and all(result.statuses()[uid] == "pass" for uid in retention_tests)


def test_replaying_the_next_day(handwritten_warehouse, tmp_path):
    project = handwritten_warehouse.copy(tmp_path, copy_warehouse=False)
    result = project.build(as_of="2026-07-01")
    assert result.returncode == 0, result.output[-3000:]
    assert _contract_customers(project) == {"C-1", "C-3", "C-4"}
    assert project.query(
        "select within_window from compliance.retention_deadlines "
        "where subject_id = 'L-1' and purpose = 'sales'") == [(False,)]


def test_retention_tests_ran_on_every_purpose_model(handwritten_warehouse):
    """Count from run_results.json: one retention test per model that declares a purpose."""
    manifest = read_artifact(handwritten_warehouse.target_path, MANIFEST)
    purpose_models = {
        uid for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["config"].get("meta", {}).get("purpose")
    }
    tested = {
        node["attached_node"] for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and (node.get("test_metadata") or {}).get("name") == "privacy_within_retention_window"
    }
    assert len(purpose_models) >= 14
    assert purpose_models == tested


def test_erasure_queue_lists_what_every_window_has_left(handwritten_warehouse):
    """One row per table, subject and due day: the records' action, count, oldest and newest."""
    rows = handwritten_warehouse.query(
        "select source_table, subject_id, action, due_on, record_count, oldest_record_on, "
        "newest_record_on from compliance.erasure_queue")
    queue = {(table, subject): (action, str(due), count) for table, subject, action, due, count, _, _ in rows}
    assert len(queue) == len(rows)  # one due day per table and subject here
    # C-5: every customer window ended 2022-03-02; contract data is anonymised, not thrown away.
    assert queue[("booking.customers", "C-5")] == ("anonymise", "2022-03-03", 1)
    assert queue[("booking.orders", "C-5")] == ("anonymise", "2022-03-03", 1)
    # An invoice past its bookkeeping window is erased, though its customer is still active:
    # I-1 of C-4 (2018-12-31), not I-2 (2019-01-01, still kept).
    assert queue[("booking.invoices", "C-4")] == ("erase", "2026-01-01", 1)
    assert [(str(old), str(new)) for table, subject, *_, old, new in rows
            if (table, subject) == ("booking.invoices", "C-4")] == [("2018-12-31", "2018-12-31")]
    # A prospect past 12 months is erased; an anonymous page view past 12 months anonymised.
    assert queue[("crm.leads", "L-2")] == ("erase", "2026-06-30", 1)
    assert queue[("web.page_views", "V-2")] == ("anonymise", "2026-06-30", 1)
    # Nothing inside a window is queued.
    assert ("booking.customers", "C-1") not in queue
    assert ("crm.leads", "L-1") not in queue
    assert ("web.page_views", "V-1") not in queue


def test_the_grouped_queue_and_forecast_count_what_a_per_record_one_would(handwritten_warehouse):
    """The erasure queue and the forecast judge groups of records that share their windows; the
    per-record windows (the view int_record_purpose_windows, joined where asked for) aggregated
    the old way give the same counts, row for row."""
    per_record = handwritten_warehouse.query("""
        with windows as (select * from intermediate.int_record_purpose_windows),
        purposes as (select * from intermediate.int_purpose_bits),
        judged as (
            select source_table, record_id, sum(case when within_window then 1 else 0 end) as open,
                max(retention_until) as last_until,
                sum(case when after_window_action = 'anonymise' then 1 else 0 end) as anonymising,
                string_agg(windows.purpose, ',' order by windows.purpose) as purposes
            from windows inner join purposes using (purpose) group by all),
        records as (select * from intermediate.int_landing_records)
        select records.source_table, records.subject_type, records.subject_id,
            coalesce(judged.purposes, ''),
            case when coalesce(judged.anonymising, 0) > 0 then 'anonymise' else 'erase' end,
            case when judged.record_id is null then records.record_on else judged.last_until + 1 end,
            count(*)
        from records left join judged using (source_table, record_id)
        where judged.record_id is null or judged.open = 0
        group by all""")
    grouped = handwritten_warehouse.query(
        "select source_table, subject_type, subject_id, expired_purposes, action, due_on, "
        "record_count from compliance.erasure_queue")
    assert len(grouped) >= 5
    assert sorted(grouped) == sorted(per_record)
    leaving = handwritten_warehouse.query("""
        select purpose, cast(date_trunc('month', retention_until + 1) as date), count(*)
        from intermediate.int_record_purpose_windows
        where retention_until >= date '2026-06-30' group by all""")
    forecast = handwritten_warehouse.query(
        "select purpose, month_start, records_leaving from compliance.retention_forecast "
        "where records_leaving > 0")
    assert sorted(forecast) == sorted(row for row in leaving if row[1] <= max(m for _, m, _ in forecast))


def test_retention_forecast_counts_the_next_twelve_months(handwritten_warehouse):
    rows = handwritten_warehouse.query(
        "select purpose, month_start, subjects_leaving from compliance.retention_forecast "
        "where subjects_leaving > 0 order by 1, 2")
    months = {str(m) for _, m, _ in handwritten_warehouse.query(
        "select purpose, month_start, subjects_leaving from compliance.retention_forecast")}
    assert len(months) == 12 and min(months) == "2026-06-01"
    # C-2 (until 2026-06-30) and L-1 (until 2026-06-30) leave in July.
    assert ("sales", date(2026, 7, 1), 2) in rows
