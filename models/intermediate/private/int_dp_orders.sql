{#
    The differentially private statistics' order facts: one row per order of a customer inside
    the business-development window (eligible on as_of: no objection, window not ended), with
    exact values. Not limited to the k-anonymous population of fct_orders: the noise protects
    everyone, and the closed periods are computed once (src/privacy_warehouse/dp_release.py).
    Private: raw ids, exact values; never published as such.
#}
with orders as (

    select * from {{ ref('stg_booking__orders') }}

),

customers as (

    select * from {{ ref('int_bizdev_customer_segments') }}

),

final as (

    select
        orders.order_id,
        orders.customer_id as person_id,
        {{ month_start('orders.ordered_on') }} as order_month,
        {{ make_date_from_parts('extract(year from orders.ordered_on)', 1, 1) }} as order_year,
        orders.service,
        customers.customer_type,
        orders.price_sek,
        case
            when orders.delivery_country_code = 'SE' and orders.delivery_postal_code is not null
                then {{ postal_area('orders.delivery_postal_code', 'orders.delivery_country_code', digits=1) }}
            else 'abroad'
        end as delivery_region,
        case when orders.delivered_at is not null then 1 else 0 end as delivered_count,
        case when orders.delivered_at is not null and orders.delivered_at <= orders.promised_by_at then 1 else 0 end
            as on_time_count,
        case when orders.delivered_at is not null then {{ hours_between('orders.ordered_at', 'orders.delivered_at') }} end
            as lead_time_hours
    from orders
    inner join customers on orders.customer_id = customers.customer_id

)

select * from final
