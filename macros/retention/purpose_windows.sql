{#
    The window of every purpose that may use each row of `records` (a relation with
    source_table, subject_type, subject_id and invoice_id): a SELECT of `record_columns` of the
    row, purpose, retention_until and within_window, one row per row and purpose.
    Three branches, the register's three kinds of window:
      - a customer's or lead's record: the subject's window for the purpose
        (int_subject_purpose_windows);
      - an anonymous visitor's record: its own, `window_on_column` + the rule's months;
      - an invoice's record, for legal_obligations: the invoice's bookkeeping window.
    Which purposes may use a table: int_table_purposes. One implementation for the per-record
    view (int_record_purpose_windows) and the per-group table (int_record_group_windows), each
    of which is this macro over its input (so the import CTEs are the macro's).
#}
{% macro purpose_windows(records, record_columns, window_on_column) -%}
{%- set selected -%}
    {%- for column in record_columns %}
        records.{{ column }},
    {%- endfor %}
        table_purposes.purpose,
{%- endset -%}
with table_purposes as (

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
        {{- selected }}
        subject_windows.retention_until,
        subject_windows.within_window
    from {{ records }} as records
    inner join table_purposes on records.source_table = table_purposes.source_table
    inner join subject_windows
        on records.subject_type = subject_windows.subject_type
            and records.subject_id = subject_windows.subject_id
            and table_purposes.purpose = subject_windows.purpose
    where records.subject_type in ('customer', 'lead')

),

visitor_record_windows as (

    select
        {{- selected }}
        {{ add_months('records.' ~ window_on_column, 'visitor_rules.months') }} as retention_until,
        {{ as_of_date() }} <= {{ add_months('records.' ~ window_on_column, 'visitor_rules.months') }} as within_window
    from {{ records }} as records
    inner join table_purposes on records.source_table = table_purposes.source_table
    inner join visitor_rules on table_purposes.purpose = visitor_rules.purpose
    where records.subject_type = 'visitor'

),

bookkeeping_windows as (

    select
        {{- selected }}
        invoices.retained_until as retention_until,
        invoices.within_window
    from {{ records }} as records
    inner join table_purposes
        on records.source_table = table_purposes.source_table and table_purposes.purpose = 'legal_obligations'
    inner join invoices on records.invoice_id = invoices.invoice_id

)

select * from inherited_windows
union all
select * from visitor_record_windows
union all
select * from bookkeeping_windows
{%- endmacro %}
