{{ config(meta={
    'purpose': 'business_development',
    'retention': [
        {'subject_type': 'customer', 'key_column': 'customer_key', 'where': 'customer_key is not null'},
        {'subject_type': 'visitor', 'key_column': 'visitor_key', 'where': 'customer_key is null', 'event_date_column': 'session_started_on'},
    ],
}) }}

{#
    Page views grouped into the source's sessions. No IP address, user agent or query string:
    the device class is all that is kept of the browser, and no place is derived from the IP
    (no offline geolocation database is part of the project; see README). The entry page is
    published as a route of the site (seed reference_site_routes) or `other`, never as the path
    itself: a path is free text anyone can write into a URL (an e-mail, a personnummer, an id).
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

eligible_customers as (

    select subject_id as customer_id
    from {{ ref('int_subject_purpose_eligibility') }}
    where subject_type = 'customer' and purpose = 'business_development' and is_eligible

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
    left join eligible_customers on session_owners.customer_id = eligible_customers.customer_id
    cross join visitor_rule
    where
        (session_owners.customer_id is not null and eligible_customers.customer_id is not null)
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

    select
        entry_pages.session_id,
        coalesce(site_routes.route, 'other') as entry_route
    from entry_pages
    left join site_routes
        on {{ site_route_template('entry_pages.entry_page_path') }} = site_routes.route

),

keys as (

    select
        object_type,
        object_id,
        pseudonym
    from {{ ref('int_bizdev_pseudonym_keys') }}
    where object_type in ('customer', 'visitor', 'session')

),

final as (

    select
        session_keys.pseudonym as session_key,
        visitor_keys.pseudonym as visitor_key,
        customer_keys.pseudonym as customer_key,
        sessions.started_on as session_started_on,
        sessions.started_at as session_started_at,
        sessions.ended_at as session_ended_at,
        sessions.site,
        sessions.device_class,
        entry_routes.entry_route as entry_page_path,
        sessions.page_view_count,
        sessions.time_on_pages_seconds
    from sessions
    inner join entry_routes on sessions.session_id = entry_routes.session_id
    inner join keys as session_keys
        on session_keys.object_type = 'session' and sessions.session_id = session_keys.object_id
    inner join keys as visitor_keys
        on visitor_keys.object_type = 'visitor' and sessions.visitor_id = visitor_keys.object_id
    left join keys as customer_keys
        on customer_keys.object_type = 'customer' and sessions.customer_id = customer_keys.object_id

)

select * from final
