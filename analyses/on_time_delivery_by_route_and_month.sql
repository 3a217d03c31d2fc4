{# Analyst question: how punctual are we, per route (pickup area to delivery area) and month? From bizdev only. #}
with orders as (

    select * from {{ ref('fct_orders') }}
    where is_delivered

),

final as (

    select
        pickup_area,
        delivery_area,
        order_month,
        count(*) as delivered_orders,
        avg(case when is_on_time then 1.0 else 0.0 end) as on_time_share,
        avg(lead_time_hours) as average_lead_time_hours
    from orders
    group by pickup_area, delivery_area, order_month

)

select * from final
order by order_month, pickup_area, delivery_area
