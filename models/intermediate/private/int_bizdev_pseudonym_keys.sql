{#
    The key map of business development: one keyed pseudonym per object, computed once and
    joined by the marts (hashing every fact row would cost a HMAC per row). Private schema: it
    links pseudonyms back to raw ids, so only the build and its tests read it.
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

objects as (

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

),

final as (

    select
        'business_development' as purpose,
        object_type,
        object_id,
        {{ pseudonymise('business_development', 'object_type', 'object_id') }} as pseudonym
    from objects

)

select * from final
