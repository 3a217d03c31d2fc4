{#
    Register decision 1: an order is a contract that closes when it is delivered and fully paid
    (the later of the two), or when it is cancelled. "Fully paid": payments (refunds negative)
    add up to at least the price; it was paid on the payment that got it there and stayed there.
#}
with orders as (

    select * from {{ ref('stg_booking__orders') }}

),

payments as (

    select * from {{ ref('stg_booking__payments') }}

),

payments_running as (

    select
        payments.order_id,
        payments.paid_on,
        payments.paid_at,
        sum(payments.amount_sek) over (
            partition by payments.order_id
            order by payments.paid_at, payments.payment_id
            rows between unbounded preceding and current row
        ) as paid_so_far_sek,
        orders.price_sek
    from payments
    inner join orders on payments.order_id = orders.order_id

),

payment_totals as (

    select
        order_id,
        sum(case when paid_so_far_sek >= price_sek then 0 else 1 end) as payments_below_price,
        max(case when paid_so_far_sek < price_sek then paid_at end) as last_below_price_at,
        max(paid_so_far_sek) as max_paid_so_far_sek
    from payments_running
    group by order_id

),

paid_in_full as (

    {#- The first payment after the last time the running total was below the price. -#}
    select
        payments_running.order_id,
        min(payments_running.paid_on) as paid_on
    from payments_running
    inner join payment_totals on payments_running.order_id = payment_totals.order_id
    where
        payments_running.paid_so_far_sek >= payments_running.price_sek
        and (
            payment_totals.last_below_price_at is null
            or payments_running.paid_at > payment_totals.last_below_price_at
        )
    group by payments_running.order_id

),

paid_totals as (

    select
        order_id,
        cast(sum(amount_sek) as decimal(12, 2)) as paid_sek
    from payments
    group by order_id

),

final as (

    select
        orders.order_id,
        orders.customer_id,
        orders.ordered_on,
        orders.price_sek,
        coalesce(paid_totals.paid_sek, 0) as paid_sek,
        coalesce(paid_totals.paid_sek, 0) >= orders.price_sek as is_fully_paid,
        paid_in_full.paid_on,
        cast(orders.delivered_at as date) as delivered_on,
        cast(orders.cancelled_at as date) as cancelled_on,
        case
            when orders.cancelled_at is not null then cast(orders.cancelled_at as date)
            when orders.delivered_at is not null and coalesce(paid_totals.paid_sek, 0) >= orders.price_sek
                then greatest(cast(orders.delivered_at as date), coalesce(paid_in_full.paid_on, cast(orders.delivered_at as date)))
        end as closed_on,
        case
            when orders.cancelled_at is not null then 'cancelled'
            when orders.delivered_at is not null and coalesce(paid_totals.paid_sek, 0) >= orders.price_sek then 'delivered_and_paid'
            when orders.delivered_at is not null then 'delivered_unpaid'
            else 'not_delivered'
        end as order_state
    from orders
    left join paid_totals on orders.order_id = paid_totals.order_id
    left join paid_in_full on orders.order_id = paid_in_full.order_id

)

select * from final
