{#
    The orders-per-customer histogram's input: one row per customer inside the
    business-development window and calendar year in which they ordered, with the number of
    orders that year and its histogram bin. Private: raw ids.
#}
with orders as (

    select * from {{ ref('int_dp_orders') }}

),

dated as (

    select
        person_id,
        {{ make_date_from_parts('extract(year from order_month)', 1, 1) }} as order_year
    from orders

),

years as (

    select
        person_id,
        order_year,
        count(*) as order_count
    from dated
    group by person_id, order_year

),

final as (

    select
        person_id,
        order_year,
        order_count,
        case
            when order_count = 1 then '1'
            when order_count = 2 then '2'
            when order_count = 3 then '3'
            when order_count <= 5 then '4-5'
            when order_count <= 10 then '6-10'
            else '11+'
        end as orders_bin,
        case when order_count >= 2 then 1 else 0 end as repeat_count
    from years

)

select * from final
