{#
    One row per group of records (int_record_groups) and purpose that may use them, with that
    purpose's window: the subject's (int_subject_purpose_windows, joined here rather than copied
    onto every record), an anonymous visitor's record's own (its day + the rule's months), or an
    invoice's bookkeeping window. What the erasure queue and the retention forecast count.
#}
with record_groups as (

    select * from {{ ref('int_record_groups') }}

),

table_purposes as (

    select * from {{ ref('int_table_purposes') }}

),

subject_windows as (

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

inherited_windows as (

    select
        record_groups.*,
        table_purposes.purpose,
        subject_windows.retention_until,
        subject_windows.within_window
    from record_groups
    inner join table_purposes on record_groups.source_table = table_purposes.source_table
    inner join subject_windows
        on record_groups.subject_type = subject_windows.subject_type
            and record_groups.subject_id = subject_windows.subject_id
            and table_purposes.purpose = subject_windows.purpose
    where record_groups.subject_type in ('customer', 'lead')

),

visitor_record_windows as (

    select
        record_groups.*,
        table_purposes.purpose,
        {{ add_months('record_groups.own_window_on', 'visitor_rules.months') }} as retention_until,
        {{ as_of_date() }} <= {{ add_months('record_groups.own_window_on', 'visitor_rules.months') }} as within_window
    from record_groups
    inner join table_purposes on record_groups.source_table = table_purposes.source_table
    inner join visitor_rules on table_purposes.purpose = visitor_rules.purpose
    where record_groups.subject_type = 'visitor'

),

bookkeeping_windows as (

    select
        record_groups.*,
        table_purposes.purpose,
        invoices.retained_until as retention_until,
        invoices.within_window
    from record_groups
    inner join table_purposes
        on record_groups.source_table = table_purposes.source_table and table_purposes.purpose = 'legal_obligations'
    inner join invoices on record_groups.invoice_id = invoices.invoice_id

)

select * from inherited_windows
union all
select * from visitor_record_windows
union all
select * from bookkeeping_windows
