{#
    Whose row each published row-level business-development row is: the row's pseudonym and
    the person (customer or anonymous visitor) it is about. The published facts carry no
    customer pseudonym (two of a person's rows must not be linkable), so the privacy tests
    (retention, objections, k counted in people) and risk.py resolve people through this map.
    Private: raw ids.
#}
with keys as (

    select
        object_type,
        object_id,
        pseudonym
    from {{ ref('int_bizdev_pseudonym_keys') }}
    where object_type in ('customer', 'order', 'session')

),

customers as (

    select
        'customer' as object_type,
        customer_id as object_id,
        'customer' as person_type,
        customer_id as person_id,
        cast(null as date) as record_event_on
    from {{ ref('int_bizdev_customer_segments') }}

),

orders as (

    select
        'order' as object_type,
        order_id as object_id,
        'customer' as person_type,
        customer_id as person_id,
        cast(null as date) as record_event_on
    from {{ ref('int_bizdev_orders_exact') }}

),

sessions as (

    {#- An anonymous visitor's session has a window of its own: 12 months from its day. -#}
    select
        'session' as object_type,
        session_id as object_id,
        person_type,
        person_id,
        case when person_type = 'visitor' then started_on end as record_event_on
    from {{ ref('int_bizdev_sessions_exact') }}

),

owned as (

    select * from customers
    union all
    select * from orders
    union all
    select * from sessions

),

final as (

    select
        owned.object_type,
        keys.pseudonym,
        owned.person_type,
        owned.person_id,
        owned.record_event_on
    from owned
    inner join keys on owned.object_type = keys.object_type and owned.object_id = keys.object_id

)

select * from final
