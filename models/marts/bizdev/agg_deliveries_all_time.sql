{{ config(meta={
    'purpose': 'business_development',
    'retention': [{'anonymous': true}],
    'k_anonymity': {
        'count_column': 'customer_count',
        'unit': 'order', 'unit_count_column': 'order_count',
        'dimensions': ['order_month', 'service', 'pickup_region', 'delivery_region'],
    },
}) }}

{#
    Delivery quality per month, service and route (pickup and delivery region), from the exact
    facts of exactly the orders published in fct_orders (one population: no cell of this table
    and fct_orders can be differenced to reveal a person; docs/attacker-model.md). A route
    describing fewer than k customers in its month and service is folded into route
    `other`/`other`; if that fold itself describes fewer than k, the month and service are
    published as one `other` cell. Each month and service holds at least k customers (it is
    made of fct_orders classes), so nothing is dropped and the totals equal fct_orders'.
#}
{%- set k = var('k_anonymity') %}

with published_orders as (

    select exact.*
    from {{ ref('int_bizdev_orders_exact') }} as exact
    inner join {{ ref('int_bizdev_orders_classed') }} as classed
        on exact.order_id = classed.order_id and not classed.is_suppressed

),

routed as (

    select
        *,
        {{ generalise('ordered_on', 'date', 'month') }} as order_month,
        {{ generalise('pickup_area', 'place', 'postal_region') }} as pickup_region,
        {{ generalise('delivery_area', 'place', 'postal_region') }} as delivery_region
    from published_orders

),

folded as (

    {{ fold_small_cells('routed', ['order_month', 'service'], ['pickup_region', 'delivery_region'], 'customer_id') | indent(4) }}

),

cells as (

    select
        order_month,
        service,
        folded_pickup_region as pickup_region,
        folded_delivery_region as delivery_region,
        count(*) as order_count,
        count(distinct customer_id) as customer_count,
        {# sum() of integers is HUGEINT on DuckDB (DOUBLE once in Parquet): counts are BIGINT. #}
        cast(sum(case when is_delivered then 1 else 0 end) as bigint) as delivered_count,
        cast(sum(case when is_on_time then 1 else 0 end) as bigint) as on_time_count,
        cast(sum(lead_time_hours) as decimal(16, 2)) as delivered_lead_time_hours,
        cast(sum(price_sek) as decimal(16, 2)) as revenue_sek
    from folded
    group by order_month, service, folded_pickup_region, folded_delivery_region

),

final as (

    select * from cells
    where customer_count >= {{ k }}

)

select * from final
