{{ config(meta={
    'purpose': 'business_development',
    'retention': [{'anonymous': true}],
    'k_anonymity': {
        'count_column': 'customer_count',
        'unit': 'order', 'unit_count_column': 'order_count',
        'dimensions': ['customer_type', 'age_band', 'month_of_year', 'service'],
    },
}) }}

{#
    Which months of the year and which services each segment uses (the policy's "köpmönster"),
    from exactly the orders published in fct_orders and the customers published in
    dim_customers (one population with the row-level tables). Segments are customer type and
    age band; a segment describing fewer than k customers in its month of year and service is
    folded into `other` (macros/privacy/fold_small_cells.sql), so the totals per month of year
    and service equal fct_orders'.
#}
with published_orders as (

    select exact.*
    from {{ ref('int_bizdev_orders_exact') }} as exact
    inner join {{ ref('int_bizdev_orders_classed') }} as classed
        on exact.order_id = classed.order_id and not classed.is_suppressed

),

segments as (

    select
        segments.customer_id,
        segments.customer_type,
        segments.age_band
    from {{ ref('int_bizdev_customer_segments') }} as segments
    inner join {{ ref('int_bizdev_customers_classed') }} as classed
        on segments.customer_id = classed.customer_id and not classed.is_suppressed

),

segmented as (

    select
        published_orders.*,
        segments.customer_type,
        segments.age_band,
        cast(extract(month from published_orders.ordered_on) as integer) as month_of_year
    from published_orders
    inner join segments on published_orders.customer_id = segments.customer_id

),

folded as (

    {{ fold_small_cells('segmented', ['month_of_year', 'service'], ['customer_type', 'age_band'], 'customer_id') | indent(4) }}

),

cells as (

    select
        folded_customer_type as customer_type,
        folded_age_band as age_band,
        month_of_year,
        service,
        count(*) as order_count,
        count(distinct customer_id) as customer_count,
        cast(sum(price_sek) as decimal(14, 2)) as revenue_sek
    from folded
    group by folded_customer_type, folded_age_band, month_of_year, service

),

final as (

    select * from cells
    where customer_count >= {{ var('k_anonymity') }}

)

select * from final
