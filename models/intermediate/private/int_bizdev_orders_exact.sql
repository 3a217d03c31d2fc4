{#
    The exact facts (int_bizdev_order_facts) of every order of a customer published in
    dim_customers (eligible, not suppressed): what fct_orders generalises and what the order
    aggregates sum, so that both describe one population (no differencing between them).
    Private: raw ids, exact values.
#}
with orders as (

    select * from {{ ref('int_bizdev_order_facts') }}

),

published_customers as (

    select customer_id
    from {{ ref('int_bizdev_customers_classed') }}
    where not is_suppressed

),

final as (

    select orders.*
    from orders
    inner join published_customers on orders.customer_id = published_customers.customer_id

)

select * from final
