{#
    What the release's utility figures compare (privacy_warehouse.utility): one row per object
    each published row-level table could have held, i.e. every eligible customer, every order of
    an eligible customer and every session inside its window, with the exact values the headline
    figures are made of, whether the row is published and how it was protected. The figures are
    computed from here and published rounded to whole percent, never as totals. Private: raw ids
    and exact values.
#}
with eligible_customers as (

    select * from {{ ref('int_bizdev_customer_segments') }}

),

customers_classed as (

    select * from {{ ref('int_bizdev_customers_classed') }}

),

order_facts as (

    select * from {{ ref('int_bizdev_order_facts') }}

),

orders_classed as (

    select * from {{ ref('int_bizdev_orders_classed') }}

),

sessions_exact as (

    select * from {{ ref('int_bizdev_sessions_exact') }}

),

sessions_classed as (

    select * from {{ ref('int_bizdev_sessions_classed') }}

),

customers as (

    select
        'bizdev.dim_customers' as model_name,
        'customer_type' as segment_name,
        'age_band' as breakdown_name,
        eligible_customers.customer_id as object_id,
        eligible_customers.customer_type as segment,
        eligible_customers.age_band as breakdown,
        cast(null as decimal(14, 2)) as value_sek,
        cast(null as boolean) as is_on_time,
        cast(null as boolean) as published_is_on_time,
        coalesce(not customers_classed.is_suppressed, false) as is_published,
        coalesce(customers_classed.protection_step, 'suppressed') as protection_step
    from eligible_customers
    left join customers_classed on eligible_customers.customer_id = customers_classed.customer_id

),

orders as (

    {#- Every order of an eligible customer: the orders of a customer suppressed from
        dim_customers are not candidates of fct_orders (consistent suppression), but they are
        part of the population whose figures the release must not distort. -#}
    select
        'bizdev.fct_orders' as model_name,
        'customer_type' as segment_name,
        'service' as breakdown_name,
        order_facts.order_id as object_id,
        eligible_customers.customer_type as segment,
        order_facts.service as breakdown,
        cast(order_facts.price_sek as decimal(14, 2)) as value_sek,
        order_facts.is_on_time,
        case when not orders_classed.is_suppressed then orders_classed.is_on_time end as published_is_on_time,
        coalesce(not orders_classed.is_suppressed, false) as is_published,
        coalesce(orders_classed.protection_step, 'customer_suppressed') as protection_step
    from order_facts
    inner join eligible_customers on order_facts.customer_id = eligible_customers.customer_id
    left join orders_classed on order_facts.order_id = orders_classed.order_id

),

sessions as (

    select
        'bizdev.fct_web_sessions' as model_name,
        'person_type' as segment_name,
        'site' as breakdown_name,
        sessions_exact.session_id as object_id,
        sessions_exact.person_type as segment,
        sessions_exact.site as breakdown,
        cast(null as decimal(14, 2)) as value_sek,
        cast(null as boolean) as is_on_time,
        cast(null as boolean) as published_is_on_time,
        coalesce(not sessions_classed.is_suppressed, false) as is_published,
        coalesce(sessions_classed.protection_step, 'suppressed') as protection_step
    from sessions_exact
    left join sessions_classed on sessions_exact.session_id = sessions_classed.session_id

),

final as (

    select * from customers
    union all
    select * from orders
    union all
    select * from sessions

)

select * from final
