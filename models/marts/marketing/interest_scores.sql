{{ config(meta={
    'purpose': 'marketing',
    'retention': [{'subject_type_column': 'subject_type', 'id_column': 'subject_id'}],
}) }}

{#
    How interested each subject in the marketing window is ("värdera dina besök samt inskickade
    formulär för att ge oss möjlighet att bestämma din intressenivå"), over the 90 days up to
    as_of. The formula, kept simple so a person can check it by hand:

        interest_score = min(page_views, 50)
                       + 5  × min(sessions, 10)
                       + 10 × pricing_page_views (capped at 3)
                       + 25 × quote_forms + 15 × contact_forms + 5 × newsletter_forms

    A lead's page views are those of the browsers (cookies) it submitted a form from.
#}
with subjects as (

    select
        subject_type,
        subject_id
    from {{ ref('int_contactable_subjects') }}

),

eligible as (

    select
        subject_type,
        subject_id
    from {{ ref('int_subject_purpose_eligibility') }}
    where purpose = 'marketing' and is_eligible

),

recent_page_views as (

    select * from {{ ref('stg_web__page_views') }}
    where viewed_on > {{ add_days(as_of_date(), -90) }}

),

recent_forms as (

    select * from {{ ref('stg_web__form_submissions') }}
    where submitted_on > {{ add_days(as_of_date(), -90) }}

),

lead_visitors as (

    select distinct
        lead_id,
        visitor_id
    from {{ ref('stg_web__form_submissions') }}
    where lead_id is not null and visitor_id is not null

),

subject_page_views as (

    select
        'customer' as subject_type,
        customer_id as subject_id,
        session_id,
        page_path,
        viewed_on
    from recent_page_views
    where customer_id is not null

    union all

    select
        'lead' as subject_type,
        lead_visitors.lead_id as subject_id,
        recent_page_views.session_id,
        recent_page_views.page_path,
        recent_page_views.viewed_on
    from recent_page_views
    inner join lead_visitors on recent_page_views.visitor_id = lead_visitors.visitor_id
    where recent_page_views.customer_id is null

),

browsing as (

    select
        subject_type,
        subject_id,
        count(*) as page_views_90d,
        count(distinct session_id) as sessions_90d,
        sum(case when page_path like '%pris%' or page_path like '%price%' then 1 else 0 end) as pricing_page_views_90d,
        max(viewed_on) as last_viewed_on
    from subject_page_views
    group by 1, 2

),

forms as (

    select
        case when customer_id is not null then 'customer' else 'lead' end as subject_type,
        coalesce(customer_id, lead_id) as subject_id,
        sum(case when form_name = 'quote' then 1 else 0 end) as quote_forms_90d,
        sum(case when form_name = 'contact' then 1 else 0 end) as contact_forms_90d,
        sum(case when form_name = 'newsletter' then 1 else 0 end) as newsletter_forms_90d,
        max(submitted_on) as last_submitted_on
    from recent_forms
    where customer_id is not null or lead_id is not null
    group by 1, 2

),

final as (

    select
        subjects.subject_type,
        subjects.subject_id,
        coalesce(browsing.page_views_90d, 0) as page_views_90d,
        coalesce(browsing.sessions_90d, 0) as sessions_90d,
        coalesce(browsing.pricing_page_views_90d, 0) as pricing_page_views_90d,
        coalesce(forms.quote_forms_90d, 0) as quote_forms_90d,
        coalesce(forms.contact_forms_90d, 0) as contact_forms_90d,
        coalesce(forms.newsletter_forms_90d, 0) as newsletter_forms_90d,
        least(coalesce(browsing.page_views_90d, 0), 50)
        + 5 * least(coalesce(browsing.sessions_90d, 0), 10)
        + 10 * least(coalesce(browsing.pricing_page_views_90d, 0), 3)
        + 25 * coalesce(forms.quote_forms_90d, 0)
        + 15 * coalesce(forms.contact_forms_90d, 0)
        + 5 * coalesce(forms.newsletter_forms_90d, 0) as interest_score,
        greatest(browsing.last_viewed_on, forms.last_submitted_on) as last_activity_on
    from subjects
    inner join eligible
        on subjects.subject_type = eligible.subject_type and subjects.subject_id = eligible.subject_id
    left join browsing
        on subjects.subject_type = browsing.subject_type and subjects.subject_id = browsing.subject_id
    left join forms
        on subjects.subject_type = forms.subject_type and subjects.subject_id = forms.subject_id

)

select * from final
