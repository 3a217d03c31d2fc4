{{ config(meta={
    'purpose': 'sales',
    'retention': [{'subject_type_column': 'subject_type', 'id_column': 'subject_id'}],
}) }}

{#
    One row per customer or prospect sales may work with on as_of (inside the sales window, no
    objection closing sales), with how to reach them and how warm they are.
#}
with subjects as (

    select * from {{ ref('int_contactable_subjects') }}

),

eligible as (

    select
        subject_type,
        subject_id
    from {{ ref('int_subject_purpose_eligibility') }}
    where purpose = 'sales' and is_eligible

),

activities as (

    select
        subject_type,
        subject_id,
        count(*) as activity_count,
        max(occurred_on) as last_activity_on
    from {{ ref('stg_crm__activities') }}
    group by 1, 2

),

orders as (

    select
        customer_id,
        count(*) as order_count,
        max(ordered_on) as last_ordered_on
    from {{ ref('stg_booking__orders') }}
    group by 1

),

leads as (

    select
        lead_id,
        lead_source,
        obtained_on
    from {{ ref('int_leads_converted') }}

),

final as (

    select
        subjects.subject_type,
        subjects.subject_id,
        case when subjects.subject_type = 'customer' then 'customer' else 'prospect' end as stage,
        subjects.contact_name,
        subjects.company_name,
        subjects.email,
        subjects.phone,
        leads.lead_source,
        leads.obtained_on,
        coalesce(orders.order_count, 0) as order_count,
        orders.last_ordered_on,
        coalesce(activities.activity_count, 0) as activity_count,
        activities.last_activity_on
    from subjects
    inner join eligible
        on subjects.subject_type = eligible.subject_type and subjects.subject_id = eligible.subject_id
    left join activities
        on subjects.subject_type = activities.subject_type and subjects.subject_id = activities.subject_id
    left join orders
        on subjects.subject_type = 'customer' and subjects.subject_id = orders.customer_id
    left join leads
        on subjects.subject_type = 'lead' and subjects.subject_id = leads.lead_id

)

select * from final
