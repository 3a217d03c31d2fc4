{{ config(meta={
    'purpose': 'legal_obligations',
    'retention': [{'record_type': 'invoice', 'id_column': 'invoice_id'}],
}) }}

{#
    One row per invoice inside its bookkeeping window (register decision 5), legal holds
    extending it (decision 4). Nothing else of the customer: the bookkeeping record only. An
    invoice whose customer row was rejected stays (docs/decisions-bookkeeping.md): it shows what
    the invoice itself says and customer_row_rejected, nothing of the rejected customer row.
#}
with invoices as (

    select * from {{ ref('int_bookkeeping_invoices') }}

),

windows as (

    select * from {{ ref('int_invoices_retention') }}
    where within_window

),

final as (

    select
        invoices.invoice_id,
        invoices.customer_id,
        invoices.invoiced_on as invoice_date,
        invoices.due_on as due_date,
        invoices.billing_name,
        invoices.billing_address,
        invoices.total_sek,
        invoices.customer_row_rejected,
        windows.fiscal_year_ended_on,
        windows.bookkeeping_until,
        windows.has_open_legal_hold,
        windows.legal_hold_closed_on,
        windows.retained_until
    from invoices
    inner join windows on invoices.invoice_id = windows.invoice_id

)

select * from final
