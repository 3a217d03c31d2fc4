{#
    Register decision 7: the latest consent event for a subject and channel decides. Events
    after as_of were rejected in staging, so "latest" is the latest known on as_of.
#}
with events as (

    select * from {{ ref('stg_consent__consent_events') }}

),

ranked as (

    select
        subject_type,
        subject_id,
        channel,
        consent_action,
        occurred_at,
        row_number() over (
            partition by subject_type, subject_id, channel
            order by occurred_at desc, consent_event_id desc
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
        cast(occurred_at as date) as latest_action_on
    from ranked
    where recency_rank = 1

)

select * from final
