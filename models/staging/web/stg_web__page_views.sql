with source as (

    select * from {{ ref('base_web__page_views') }}
    where rejection_reason is null

),

renamed as (

    select
        ---------- ids
        event_id as page_view_id,
        session_id,
        visitor_id,
        customer_id,

        ---------- strings
        trim(ip_address) as ip_address,
        trim(site) as site,
        url_path,
        {#- The path without its query string: query strings carry e-mails and campaign ids. #}
        split_part(url_path, '?', 1) as page_path,
        referrer,
        user_agent,

        ---------- numerics
        time_on_page_s as time_on_page_seconds,

        ---------- timestamps
        occurred_at as viewed_at,
        cast(occurred_at as date) as viewed_on

    from source

)

select * from renamed
