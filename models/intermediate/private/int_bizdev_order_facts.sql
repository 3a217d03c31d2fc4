{#
    The exact facts of every order, whoever's and however old: what int_bizdev_orders_exact
    narrows to the customers published in dim_customers, and what the release's utility figures
    compare the published orders against (the orders of eligible customers,
    privacy_warehouse.utility). Private: raw ids, exact values; never published as such.
#}
with orders as (

    select * from {{ ref('stg_booking__orders') }}

),

order_states as (

    select
        order_id,
        order_state
    from {{ ref('int_orders_closed') }}

),

final as (

    select
        orders.order_id,
        orders.customer_id,
        orders.ordered_on,
        orders.service,
        order_states.order_state,
        orders.price_sek,
        orders.weight_kg,
        {{ postal_area('orders.pickup_postal_code', "'SE'") }} as pickup_area,
        {{ postal_area('orders.delivery_postal_code', 'orders.delivery_country_code') }} as delivery_area,
        orders.delivery_country_code,
        orders.promised_by_at,
        orders.delivered_at,
        orders.delivered_at is not null as is_delivered,
        case when orders.delivered_at is not null then orders.delivered_at <= orders.promised_by_at end as is_on_time,
        case when orders.delivered_at is not null then {{ hours_between('orders.ordered_at', 'orders.delivered_at') }} end as lead_time_hours,
        {{ hours_between('orders.ordered_at', 'orders.promised_by_at') }} as promised_lead_time_hours
    from orders
    inner join order_states on orders.order_id = order_states.order_id

)

select * from final
