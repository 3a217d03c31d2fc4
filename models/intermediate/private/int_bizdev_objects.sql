{#
    Every business-development object (customer, order, visitor, session) present in the accepted
    landing data: what the key map must hold a pseudonym for, no more and no less.
#}
with customers as (

    select customer_id as object_id from {{ ref('stg_booking__customers') }}

),

orders as (

    select order_id as object_id from {{ ref('stg_booking__orders') }}

),

visitors as (

    select distinct visitor_id as object_id from {{ ref('stg_web__page_views') }}

),

sessions as (

    select distinct session_id as object_id from {{ ref('stg_web__page_views') }}

),

final as (

    select
        'customer' as object_type,
        object_id
    from customers
    union all
    select
        'order' as object_type,
        object_id
    from orders
    union all
    select
        'visitor' as object_type,
        object_id
    from visitors
    union all
    select
        'session' as object_type,
        object_id
    from sessions

)

select * from final
