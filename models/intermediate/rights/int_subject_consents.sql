{#
    Register decision 7: the latest consent event for a subject and channel decides. Events
    after as_of were rejected in staging, so "latest" is the latest known on as_of. Rejected
    events of known subjects count in their most protective reading, as withdrawals
    (int_consent_withdrawals_fail_closed); at one and the same moment a withdrawal outranks a grant.
#}
with events as (

    select
        consent_event_id,
        subject_type,
        subject_id,
        channel,
        consent_action,
        occurred_at,
        occurred_on
    from {{ ref('stg_consent__consent_events') }}
    union all
    select
        consent_event_id,
        subject_type,
        subject_id,
        channel,
        consent_action,
        occurred_at,
        occurred_on
    from {{ ref('int_consent_withdrawals_fail_closed') }}

),

ranked as (

    select
        subject_type,
        subject_id,
        channel,
        consent_action,
        occurred_on,
        row_number() over (
            partition by subject_type, subject_id, channel
            order by occurred_at desc, case when consent_action = 'granted' then 1 else 0 end, consent_event_id desc
        ) as recency_rank
    from events

),

final as (

    select
        subject_type,
        subject_id,
        channel,
        consent_action as latest_action,
        consent_action = 'granted' as has_consent,
        occurred_on as latest_action_on
    from ranked
    where recency_rank = 1

)

select * from final
