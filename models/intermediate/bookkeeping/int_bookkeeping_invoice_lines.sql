{#
    Every invoice line the bookkeeping obligation covers (docs/decisions-bookkeeping.md): the
    accepted ones, and those rejected only because a parent was rejected, when their invoice is
    kept (int_bookkeeping_invoices) and their order landed, whatever the order's verdict.
#}
with accepted as (

    select
        invoice_line_id,
        invoice_id,
        order_id,
        amount_sek,
        false as parent_row_rejected
    from {{ ref('stg_booking__invoice_lines') }}

),

invoices as (

    select invoice_id
    from {{ ref('int_bookkeeping_invoices') }}

),

landed_orders as (

    select distinct order_id
    from {{ ref('base_booking__orders') }}
    where order_id is not null

),

{# Typed as stg_booking__invoice_lines types its rows. #}
kept as (

    select
        lines.record_id as invoice_line_id,
        lines.invoice_id,
        lines.order_id,
        cast(lines.amount_sek as decimal(12, 2)) as amount_sek,
        true as parent_row_rejected
    from {{ ref('base_booking__invoice_lines') }} as lines
    inner join invoices on lines.invoice_id = invoices.invoice_id
    inner join landed_orders on lines.order_id = landed_orders.order_id
    where
        {{ rejected_only_because_of_a_parent('lines', 'booking.invoice_lines', 'invoice_id') }}
        or {{ rejected_only_because_of_a_parent('lines', 'booking.invoice_lines', 'order_id') }}

)

select * from accepted
union all
select * from kept
