{{ config(meta={
    'purpose': 'sales',
    'retention': [{'subject_type_column': 'subject_type', 'id_column': 'subject_id'}],
}) }}

{#
    One row per call, meeting or e-mail with a subject inside the sales window and without an
    objection closing sales. The only output that carries the free-text notes.
#}
with activities as (

    select * from {{ ref('stg_crm__activities') }}

),

eligible as (

    select
        subject_type,
        subject_id
    from {{ ref('int_subject_purpose_eligibility') }}
    where purpose = 'sales' and is_eligible

),

final as (

    select
        activities.activity_id,
        activities.subject_type,
        activities.subject_id,
        activities.sales_rep_id,
        activities.activity_kind,
        activities.occurred_at,
        activities.notes
    from activities
    inner join eligible
        on activities.subject_type = eligible.subject_type and activities.subject_id = eligible.subject_id

)

select * from final
