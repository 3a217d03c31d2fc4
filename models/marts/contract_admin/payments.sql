{{ config(meta={
    'purpose': 'contract_administration',
    'retention': [{'subject_type': 'customer', 'id_column': 'customer_id'}],
}) }}

{# One row per payment or refund of an order of a customer inside the contract-administration window. #}
with payments as (

    select * from {{ ref('stg_booking__payments') }}

),

orders as (

    select
        order_id,
        customer_id
    from {{ ref('orders') }}

),

final as (

    select
        payments.payment_id,
        payments.order_id,
        orders.customer_id,
        payments.paid_at,
        payments.amount_sek,
        payments.payment_method,
        payments.card_last4
    from payments
    inner join orders on payments.order_id = orders.order_id

)

select * from final
