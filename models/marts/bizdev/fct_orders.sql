{{ config(meta={
    'purpose': 'business_development',
    'retention': [{'subject_type': 'customer', 'key_column': 'customer_key'}],
}) }}

with orders as (

    select * from {{ ref('stg_booking__orders') }}

),

order_states as (

    select
        order_id,
        order_state
    from {{ ref('int_orders_closed') }}

),

eligible as (

    select subject_id as customer_id
    from {{ ref('int_subject_purpose_eligibility') }}
    where subject_type = 'customer' and purpose = 'business_development' and is_eligible

),

keys as (

    select
        object_type,
        object_id,
        pseudonym
    from {{ ref('int_bizdev_pseudonym_keys') }}
    where object_type in ('customer', 'order')

),

final as (

    select
        order_keys.pseudonym as order_key,
        customer_keys.pseudonym as customer_key,
        orders.ordered_on,
        {{ month_start('orders.ordered_on') }} as order_month,
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
    inner join eligible on orders.customer_id = eligible.customer_id
    inner join order_states on orders.order_id = order_states.order_id
    inner join keys as order_keys
        on order_keys.object_type = 'order' and orders.order_id = order_keys.object_id
    inner join keys as customer_keys
        on customer_keys.object_type = 'customer' and orders.customer_id = customer_keys.object_id

)

select * from final
