{#
    Analyst question: how punctual are we, per route (pickup region to delivery region) and
    month? From bizdev only: the aggregate computed from exact data in the warehouse, since
    fct_orders publishes no places and only banded lead times (docs/attacker-model.md).
#}
with deliveries as (

    select * from {{ ref('agg_deliveries_all_time') }}

),

final as (

    select
        pickup_region,
        delivery_region,
        order_month,
        sum(delivered_count) as delivered_orders,
        sum(on_time_count) * 1.0 / nullif(sum(delivered_count), 0) as on_time_share,
        sum(delivered_lead_time_hours) / nullif(sum(delivered_count), 0) as average_lead_time_hours
    from deliveries
    group by pickup_region, delivery_region, order_month

)

select * from final
order by order_month, pickup_region, delivery_region
