{#
    Rights fail closed (docs/decisions-enums.md): every *rejected* consent event that names a
    subject the warehouse knows, in its most protective reading, shaped as
    stg_consent__consent_events so that int_subject_consents honours it like an accepted one.

    - An action that cannot be read (not one of the listed values exactly, or null) counts as a
      withdrawal. A rejected event that reads `granted` gives no consent: it is left out, its
      most protective reading being that it never happened.
    - A channel that cannot be read withdraws every channel that needs consent (seed
      policy_consent_channels): one row per channel.
    - A subject type that cannot be read matches the subject of either type with that id.
    - A time that cannot be read, or lies after as_of, counts as the end of as_of: later than every
      accepted event, so the withdrawal is the latest word.
    - Rows repeated under one id are each honoured at their own time: the withdrawal counts from
      the earliest, and no grant between two of its copies outlives the later one.
    A subject is resolved as every *_fail_closed model resolves it
    (macros/rights/rejected_rows_naming_known_subjects.sql): an unreadable subject type matches
    either type with that id; an event naming no known subject (unknown_reference) stays
    rejected only.
#}
{%- set actions_listed = source_accepted_values('consent', 'consent_events', 'action') -%}
{%- set channels_listed = source_accepted_values('consent', 'consent_events', 'channel') %}

with rejected as (

    {{ rejected_rows_naming_known_subjects('consent', 'consent_events') | indent(4) }}

),

consent_channels as (

    select channel
    from {{ ref('policy_consent_channels') }}
    where needs_consent

),

read_rows as (

    select
        rejected.source_table,
        rejected.record_id,
        rejected.event_id as consent_event_id,
        rejected.known_subject_type as subject_type,
        rejected.known_subject_id as subject_id,
        case when {{ enum_is_readable('rejected.channel', channels_listed) }} then rejected.channel end as readable_channel,
        case
            when rejected.occurred_at is null or cast(rejected.occurred_at as date) > {{ as_of_date() }}
                then cast({{ add_days(as_of_date(), 1) }} as timestamp)
            else rejected.occurred_at
        end as occurred_at,
        case
            when rejected.occurred_at is null or cast(rejected.occurred_at as date) > {{ as_of_date() }}
                then {{ as_of_date() }}
            else cast(rejected.occurred_at as date)
        end as occurred_on,
        rejected.rejection_reason,
        rejected.rejected_column
    from rejected
    {#- Only a readable `granted` is not a withdrawal. #}
    where not coalesce(rejected.action = 'granted', false)

),

final as (

    select
        read_rows.source_table,
        read_rows.record_id,
        read_rows.consent_event_id,
        read_rows.subject_type,
        read_rows.subject_id,
        consent_channels.channel,
        'withdrawn' as consent_action,
        read_rows.occurred_at,
        read_rows.occurred_on,
        read_rows.rejection_reason,
        read_rows.rejected_column,
        'withdrawal of ' || coalesce(read_rows.readable_channel, 'every consent channel') as honoured_as
    from read_rows
    inner join consent_channels
        on read_rows.readable_channel = consent_channels.channel or read_rows.readable_channel is null

)

select * from final
