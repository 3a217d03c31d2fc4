{#
    Every payment the bookkeeping obligation covers (docs/decisions-bookkeeping.md): accepted
    payments, and payments rejected only because their order was rejected, when that order is
    on a kept invoice line (a payment of an invoiced order is a bookkeeping record; one of an
    order never invoiced is not, and stays rejected only).
#}
with accepted as (

    select
        payment_id,
        order_id,
        payment_method,
        amount_sek,
        paid_at,
        paid_on,
        false as parent_row_rejected
    from {{ ref('stg_booking__payments') }}

),

invoiced_orders as (

    select distinct order_id
    from {{ ref('int_bookkeeping_invoice_lines') }}

),

{# Typed as stg_booking__payments types its rows (card digits are not bookkeeping: left out). #}
kept as (

    select
        payments.payment_id,
        payments.order_id,
        trim(payments.method) as payment_method,
        cast(payments.amount_sek as decimal(12, 2)) as amount_sek,
        payments.paid_at,
        cast(payments.paid_at as date) as paid_on,
        true as parent_row_rejected
    from {{ ref('base_booking__payments') }} as payments
    inner join invoiced_orders on payments.order_id = invoiced_orders.order_id
    where {{ rejected_only_because_of_a_parent('payments', 'booking.payments', 'order_id') }}

)

select * from accepted
union all
select * from kept
