{#
    The exact facts of every browsing session inside its window: a customer's while the
    customer is published in dim_customers (eligible, not suppressed), an anonymous visitor's
    for 12 months from the page views. What fct_web_sessions generalises. Private: raw ids,
    exact times. No IP address, user agent or query string: the device class is all that is
    kept of the browser, and no place is derived from the IP (no offline geolocation database
    is part of the project).
#}
with page_views as (

    select * from {{ ref('stg_web__page_views') }}

),

visitor_rule as (

    select months from {{ ref('policy_retention_rules') }}
    where subject_type = 'visitor' and purpose = 'business_development' and rule_kind = 'event_plus_months'

),

site_routes as (

    select route from {{ ref('reference_site_routes') }}

),

published_customers as (

    select customer_id
    from {{ ref('int_bizdev_customers_classed') }}
    where not is_suppressed

),

session_owners as (

    {#- A session in which the visitor logged in belongs to that customer throughout. -#}
    select
        session_id,
        max(customer_id) as customer_id
    from page_views
    group by session_id

),

usable_page_views as (

    select
        page_views.*,
        session_owners.customer_id as session_customer_id
    from page_views
    inner join session_owners on page_views.session_id = session_owners.session_id
    left join published_customers on session_owners.customer_id = published_customers.customer_id
    cross join visitor_rule
    where
        (session_owners.customer_id is not null and published_customers.customer_id is not null)
        or (
            session_owners.customer_id is null
            and {{ as_of_date() }} <= {{ add_months('page_views.viewed_on', 'visitor_rule.months') }}
        )

),

sessions as (

    select
        session_id,
        min(visitor_id) as visitor_id,
        min(session_customer_id) as customer_id,
        min(site) as site,
        min(viewed_at) as started_at,
        max(viewed_at) as ended_at,
        min(viewed_on) as started_on,
        count(*) as page_view_count,
        sum(coalesce(time_on_page_seconds, 0)) as time_on_pages_seconds,
        min(case when user_agent is null then 'unknown'
            when lower(user_agent) like '%bot%' or lower(user_agent) like '%spider%' then 'bot'
            when lower(user_agent) like '%mobile%' or lower(user_agent) like '%android%' or lower(user_agent) like '%iphone%' then 'mobile'
            else 'desktop'
        end) as device_class
    from usable_page_views
    group by session_id

),

entry_pages as (

    select
        session_id,
        page_path as entry_page_path
    from (
        select
            session_id,
            page_path,
            row_number() over (partition by session_id order by viewed_at, page_view_id) as position
        from usable_page_views
    ) as ordered_views
    where position = 1

),

entry_routes as (

    {#- The entry page as a route of the site, never the path as written: a path is free text
        anyone can write into a URL (an e-mail, a personnummer, an id). -#}
    select
        entry_pages.session_id,
        coalesce(site_routes.route, 'other') as entry_route
    from entry_pages
    left join site_routes
        on {{ site_route_template('entry_pages.entry_page_path') }} = site_routes.route

),

final as (

    select
        sessions.session_id,
        sessions.visitor_id,
        sessions.customer_id,
        case when sessions.customer_id is not null then 'customer' else 'visitor' end as person_type,
        coalesce(sessions.customer_id, sessions.visitor_id) as person_id,
        sessions.started_on,
        sessions.started_at,
        sessions.ended_at,
        sessions.site,
        sessions.device_class,
        entry_routes.entry_route as entry_page_path,
        sessions.page_view_count,
        sessions.time_on_pages_seconds
    from sessions
    inner join entry_routes on sessions.session_id = entry_routes.session_id

)

select * from final
