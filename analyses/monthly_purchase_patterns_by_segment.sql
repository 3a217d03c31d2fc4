{# Analyst question: in which months of the year does each segment use which service? From bizdev only. #}
with patterns as (

    select * from {{ ref('agg_purchase_patterns') }}

),

final as (

    select
        customer_type,
        age_band,
        month_of_year,
        service,
        order_count,
        customer_count,
        order_count * 1.0 / sum(order_count) over (partition by customer_type, age_band) as share_of_segment_orders
    from patterns

)

select * from final
order by customer_type, age_band, month_of_year, service
