{#
    Anonymous web visitors: cookies whose page views carry no customer_id. Register decision 3:
    their page views are kept 12 months from the page view, for marketing and business development.
#}
with page_views as (

    select * from {{ ref('stg_web__page_views') }}

),

final as (

    select
        visitor_id,
        count(*) as anonymous_page_view_count,
        min(viewed_on) as first_viewed_on,
        max(viewed_on) as last_viewed_on
    from page_views
    where customer_id is null
    group by visitor_id

)

select * from final
