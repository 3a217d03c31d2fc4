{#
    Web sessions for the differentially private statistics: one row per browsing session inside
    its window (int_bizdev_sessions_exact), with its ISO week (Monday), the month that week
    starts in (its accounting period), device class, site and entry route; for a logged-in
    session, whether the customer booked an order within 7 days of the session's start (the
    conversion, linked privately through the customer id). Private: raw ids.
#}
with sessions as (

    select * from {{ ref('int_bizdev_sessions_exact') }}

),

orders as (

    select
        customer_id,
        ordered_at
    from {{ ref('stg_booking__orders') }}

),

conversions as (

    select
        sessions.session_id,
        max(case
            when orders.ordered_at >= sessions.started_at
                and cast(orders.ordered_at as date) <= {{ add_days('sessions.started_on', 7) }} then 1
            else 0
        end) as converted_count
    from sessions
    inner join orders on sessions.customer_id = orders.customer_id
    group by sessions.session_id

),

weeks as (

    select
        session_id,
        cast(date_trunc('week', started_on) as date) as session_week
    from sessions

),

final as (

    select
        sessions.session_id,
        sessions.person_id,
        weeks.session_week,
        {{ month_start('weeks.session_week') }} as week_month,
        {{ month_start('sessions.started_on') }} as session_month,
        sessions.device_class,
        sessions.site,
        sessions.entry_page_path as entry_route,
        case when sessions.customer_id is not null then 1 else 0 end as logged_in_count,
        case when sessions.customer_id is not null then coalesce(conversions.converted_count, 0) else 0 end
            as converted_count
    from sessions
    inner join weeks on sessions.session_id = weeks.session_id
    left join conversions on sessions.session_id = conversions.session_id

)

select * from final
