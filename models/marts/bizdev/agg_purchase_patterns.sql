{{ config(meta={
    'purpose': 'business_development',
    'retention': [{'anonymous': true}],
    'k_anonymity': {'count_column': 'customer_count'},
}) }}

{#
    Which months of the year and which services each segment uses (the policy's "köpmönster"),
    from customers inside the business-development window. Segments are customer type and age
    band; a cell describing fewer than k customers is left out.
#}
with orders as (

    select * from {{ ref('stg_booking__orders') }}

),

segments as (

    select
        customer_id,
        customer_type,
        age_band
    from {{ ref('int_bizdev_customer_segments') }}

),

cells as (

    select
        segments.customer_type,
        segments.age_band,
        cast(extract(month from orders.ordered_on) as integer) as month_of_year,
        orders.service,
        count(*) as order_count,
        count(distinct orders.customer_id) as customer_count,
        cast(sum(orders.price_sek) as decimal(14, 2)) as revenue_sek
    from orders
    inner join segments on orders.customer_id = segments.customer_id
    group by 1, 2, 3, 4

),

final as (

    select * from cells
    where customer_count >= {{ var('k_anonymity') }}

)

select * from final
