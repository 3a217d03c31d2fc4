{# One row per payment with its order's customer and, if the order was invoiced, the invoice. #}
with payments as (

    select * from {{ ref('stg_booking__payments') }}

),

orders as (

    select
        order_id,
        customer_id
    from {{ ref('stg_booking__orders') }}

),

invoiced_orders as (

    select
        order_id,
        min(invoice_id) as invoice_id
    from {{ ref('stg_booking__invoice_lines') }}
    group by order_id

),

final as (

    select
        payments.payment_id,
        payments.order_id,
        orders.customer_id,
        payments.paid_on,
        invoiced_orders.invoice_id
    from payments
    inner join orders on payments.order_id = orders.order_id
    left join invoiced_orders on payments.order_id = invoiced_orders.order_id

)

select * from final
