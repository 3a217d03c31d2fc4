{{ config(meta={
    'purpose': 'marketing',
    'retention': [{'subject_type_column': 'subject_type', 'id_column': 'subject_id'}],
    'consent': {'channel_column': 'channel'},
}) }}

{#
    Who may be contacted on which channel on as_of (register decisions 3, 6, 7): inside the
    marketing window, no objection closing marketing, a current consent where the channel needs
    one (seed policy_consent_channels), and the one contact detail the channel needs.
#}
with subjects as (

    select * from {{ ref('int_contactable_subjects') }}

),

eligible as (

    select
        subject_type,
        subject_id
    from {{ ref('int_subject_purpose_eligibility') }}
    where purpose = 'marketing' and is_eligible

),

channels as (

    select
        channel,
        needs_consent,
        contact_column
    from {{ ref('policy_consent_channels') }}
    where contact_column is not null

),

consents as (

    select
        subject_type,
        subject_id,
        channel,
        has_consent
    from {{ ref('int_subject_consents') }}

),

candidates as (

    select
        subjects.*,
        channels.channel,
        channels.needs_consent,
        channels.contact_column
    from subjects
    inner join eligible
        on subjects.subject_type = eligible.subject_type and subjects.subject_id = eligible.subject_id
    cross join channels

),

final as (

    select
        candidates.subject_type,
        candidates.subject_id,
        candidates.channel,
        case when candidates.channel = 'post' then candidates.contact_name end as contact_name,
        case when candidates.contact_column = 'email' then candidates.email end as email,
        case when candidates.contact_column = 'phone' then candidates.phone end as phone,
        case when candidates.channel = 'post' then candidates.street_address end as street_address,
        case when candidates.channel = 'post' then candidates.postal_code end as postal_code,
        case when candidates.channel = 'post' then candidates.city end as city,
        case when candidates.channel = 'post' then candidates.country_code end as country_code,
        candidates.needs_consent as is_consent_based
    from candidates
    left join consents
        on candidates.subject_type = consents.subject_type
            and candidates.subject_id = consents.subject_id
            and candidates.channel = consents.channel
    where
        (not candidates.needs_consent or coalesce(consents.has_consent, false))
        and (
            (candidates.contact_column = 'email' and candidates.email is not null)
            or (candidates.contact_column = 'phone' and candidates.phone is not null)
            or (candidates.contact_column = 'street_address' and candidates.street_address is not null)
        )

)

select * from final
