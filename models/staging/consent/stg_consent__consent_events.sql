with source as (

    select * from {{ ref('base_consent__consent_events') }}
    where rejection_reason is null

),

renamed as (

    select
        ---------- ids
        event_id as consent_event_id,
        trim(subject_type) as subject_type,
        subject_id,

        ---------- strings
        trim(channel) as channel,
        trim(action) as consent_action,

        ---------- timestamps
        occurred_at,
        cast(occurred_at as date) as occurred_on

    from source

)

select * from renamed
