{{ config(meta={
    'purpose': 'business_development',
    'retention': [{'anonymous': true}],
    'k_anonymity': {'count_column': 'customer_count'},
}) }}

{#
    Long-term delivery quality over all history, expired customers included (register decision 8).
    Anonymous, not pseudonymous: no key of any kind, no row about one person, and no cell
    describing fewer than k customers, so nothing here can be linked back to a person even with
    the pseudonymisation key. That is why it may outlive every retention window.
#}
with orders as (

    select * from {{ ref('stg_booking__orders') }}

),

cells as (

    select
        {{ month_start('ordered_on') }} as order_month,
        service,
        {{ postal_area('delivery_postal_code', 'delivery_country_code', digits=1) }} as delivery_region,
        count(*) as order_count,
        count(distinct customer_id) as customer_count,
        sum(case when delivered_at is not null then 1 else 0 end) as delivered_count,
        sum(case when delivered_at <= promised_by_at then 1 else 0 end) as on_time_count,
        cast(sum(price_sek) as decimal(16, 2)) as revenue_sek
    from orders
    group by 1, 2, 3

),

final as (

    select * from cells
    where customer_count >= {{ var('k_anonymity') }}

)

select * from final
