{{ config(meta={
    'purpose': 'legal_obligations',
    'retention': [{'record_type': 'invoice', 'id_column': 'invoice_id'}],
}) }}

{#
    One row per line of an invoice inside its bookkeeping window, a line whose order or invoice
    row was rejected included (int_bookkeeping_invoice_lines; docs/decisions-bookkeeping.md).
#}
with lines as (

    select * from {{ ref('int_bookkeeping_invoice_lines') }}

),

invoices as (

    select
        invoice_id,
        retained_until
    from {{ ref('bookkeeping_invoices') }}

),

final as (

    select
        lines.invoice_line_id,
        lines.invoice_id,
        lines.order_id,
        lines.amount_sek,
        lines.parent_row_rejected,
        invoices.retained_until
    from lines
    inner join invoices on lines.invoice_id = invoices.invoice_id

)

select * from final
