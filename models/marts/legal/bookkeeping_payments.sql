{{ config(meta={
    'purpose': 'legal_obligations',
    'retention': [{'record_type': 'invoice', 'id_column': 'invoice_id'}],
}) }}

{#
    One row per payment of an order on an invoice inside its bookkeeping window: payments are
    bookkeeping records (verifikationer) too. Card digits stay in contract administration. A
    payment whose order row was rejected stays (int_bookkeeping_payments; docs/decisions-bookkeeping.md).
#}
with payments as (

    select * from {{ ref('int_bookkeeping_payments') }}

),

lines as (

    select
        order_id,
        min(invoice_id) as invoice_id
    from {{ ref('bookkeeping_invoice_lines') }}
    group by order_id

),

invoices as (

    select
        invoice_id,
        retained_until
    from {{ ref('bookkeeping_invoices') }}

),

final as (

    select
        payments.payment_id,
        payments.order_id,
        lines.invoice_id,
        payments.paid_at,
        payments.amount_sek,
        payments.payment_method,
        payments.parent_row_rejected,
        invoices.retained_until
    from payments
    inner join lines on payments.order_id = lines.order_id
    inner join invoices on lines.invoice_id = invoices.invoice_id

)

select * from final
