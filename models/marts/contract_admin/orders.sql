{{ config(meta={
    'purpose': 'contract_administration',
    'retention': [{'subject_type': 'customer', 'id_column': 'customer_id'}],
}) }}

{#
    One row per order of a customer inside the contract-administration window, with its
    recipient: recipients' name and phone leave staging only here (register decision).
#}
with orders as (

    select * from {{ ref('stg_booking__orders') }}

),

states as (

    select
        order_id,
        order_state,
        paid_sek,
        is_fully_paid,
        closed_on
    from {{ ref('int_orders_closed') }}

),

eligible as (

    select subject_id as customer_id
    from {{ ref('int_subject_purpose_eligibility') }}
    where subject_type = 'customer' and purpose = 'contract_administration' and is_eligible

),

final as (

    select
        orders.order_id,
        orders.customer_id,
        orders.ordered_at,
        orders.service,
        orders.pickup_postal_code,
        orders.pickup_city,
        orders.delivery_postal_code,
        orders.delivery_city,
        orders.delivery_country_code,
        orders.recipient_name,
        orders.recipient_phone,
        orders.weight_kg,
        orders.price_sek,
        orders.promised_by_at,
        orders.delivered_at,
        orders.cancelled_at,
        states.order_state,
        states.paid_sek,
        states.is_fully_paid,
        states.closed_on
    from orders
    inner join eligible on orders.customer_id = eligible.customer_id
    inner join states on orders.order_id = states.order_id

)

select * from final
