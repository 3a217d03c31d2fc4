{#
    Register decision 6: which purposes each subject's objections close, from the day received,
    for good. The scope-to-purpose mapping is the seed policy_objection_scopes. An objection
    follows the person: a lead's objection closes its converted customer too, and the reverse.
    Rejected objections of known subjects count too, in their most protective reading
    (int_objections_fail_closed: an unreadable scope closes every scope).
#}
with objections as (

    select
        subject_type,
        subject_id,
        objection_scope,
        received_on
    from {{ ref('stg_consent__objections') }}
    union all
    select
        subject_type,
        subject_id,
        objection_scope,
        received_on
    from {{ ref('int_objections_fail_closed') }}

),

scopes as (

    select * from {{ ref('policy_objection_scopes') }}

),

leads as (

    select * from {{ ref('int_leads_converted') }}
    where is_converted

),

objection_subjects as (

    select
        subject_type,
        subject_id,
        objection_scope,
        received_on
    from objections

    union all

    select
        'customer' as subject_type,
        leads.converted_customer_id as subject_id,
        objections.objection_scope,
        objections.received_on
    from objections
    inner join leads on objections.subject_type = 'lead' and objections.subject_id = leads.lead_id

    union all

    select
        'lead' as subject_type,
        leads.lead_id as subject_id,
        objections.objection_scope,
        objections.received_on
    from objections
    inner join leads on objections.subject_type = 'customer' and objections.subject_id = leads.converted_customer_id

),

final as (

    select
        objection_subjects.subject_type,
        objection_subjects.subject_id,
        scopes.closes_purpose as purpose,
        min(objection_subjects.received_on) as objected_on,
        {{ ordered_string_agg('objection_subjects.objection_scope', ',', is_distinct=true) }} as objection_scopes
    from objection_subjects
    inner join scopes on objection_subjects.objection_scope = scopes.scope
    group by 1, 2, 3

)

select * from final
