{#
    One row per landing record and purpose that may use it, with that purpose's window for it:
    the subject's (int_subject_purpose_windows), an anonymous visitor's record's own (event +
    months), or an invoice's bookkeeping window. Which purposes may use a table: int_table_purposes.

    A view: the window is joined to the record where it is asked for (the access export asks for
    one person's records), never materialised for every record and purpose (57 million rows at
    scale 10). The erasure queue and the forecast count groups of records instead
    (int_record_group_windows).
#}
{{ config(materialized='view') }}
with records as (

    select * from {{ ref('int_landing_records') }}

),

table_purposes as (

    select * from {{ ref('int_table_purposes') }}

),

deadlines as (

    select
        subject_type,
        subject_id,
        purpose,
        retention_until,
        within_window
    from {{ ref('int_subject_purpose_windows') }}

),

visitor_rules as (

    select
        purpose,
        months
    from {{ ref('policy_retention_rules') }}
    where subject_type = 'visitor' and rule_kind = 'event_plus_months'

),

invoices as (

    select
        invoice_id,
        retained_until,
        within_window
    from {{ ref('int_invoices_retention') }}

),

subject_windows as (

    select
        records.source_table,
        records.record_id,
        records.subject_type,
        records.subject_id,
        records.record_on,
        table_purposes.purpose,
        deadlines.retention_until,
        deadlines.within_window
    from records
    inner join table_purposes on records.source_table = table_purposes.source_table
    inner join deadlines
        on records.subject_type = deadlines.subject_type
            and records.subject_id = deadlines.subject_id
            and table_purposes.purpose = deadlines.purpose
    where records.subject_type in ('customer', 'lead')

),

visitor_record_windows as (

    select
        records.source_table,
        records.record_id,
        records.subject_type,
        records.subject_id,
        records.record_on,
        table_purposes.purpose,
        {{ add_months('records.record_on', 'visitor_rules.months') }} as retention_until,
        {{ as_of_date() }} <= {{ add_months('records.record_on', 'visitor_rules.months') }} as within_window
    from records
    inner join table_purposes on records.source_table = table_purposes.source_table
    inner join visitor_rules on table_purposes.purpose = visitor_rules.purpose
    where records.subject_type = 'visitor'

),

bookkeeping_windows as (

    select
        records.source_table,
        records.record_id,
        records.subject_type,
        records.subject_id,
        records.record_on,
        table_purposes.purpose,
        invoices.retained_until as retention_until,
        invoices.within_window
    from records
    inner join table_purposes
        on records.source_table = table_purposes.source_table and table_purposes.purpose = 'legal_obligations'
    inner join invoices on records.invoice_id = invoices.invoice_id

)

select * from subject_windows
union all
select * from visitor_record_windows
union all
select * from bookkeeping_windows
