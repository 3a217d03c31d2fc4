{{ config(meta={
    'purpose': 'business_development',
    'retention': [{'owner_of': 'session', 'key_column': 'session_key'}],
    'k_anonymity': {'people': {
        'key_column': 'session_key', 'object_type': 'session',
        'blank_before_suppressing': ['time_on_pages_band_seconds', 'page_view_band'],
        'search': {'relation': 'private.int_bizdev_sessions_exact', 'person': "person_type || ':' || person_id"},
    }},
}) }}

{#
    Sessions at the levels the YAML declares (meta.privacy), in classes of at least k people
    (customers or anonymous visitors). No visitor or customer pseudonym: two sessions of one
    person must not be linkable (docs/attacker-model.md). The facts, and which sessions are
    inside their window, are worked out in int_bizdev_sessions_exact.
#}
with classed as (

    select * from {{ ref('int_bizdev_sessions_classed') }}
    where not is_suppressed

),

keys as (

    select
        object_id,
        pseudonym
    from {{ ref('int_bizdev_pseudonym_keys') }}
    where object_type = 'session'

),

final as (

    select
        keys.pseudonym as session_key,
        {{ published_column_list('fct_web_sessions', 'classed') }}
    from classed
    inner join keys on classed.session_id = keys.object_id

)

select * from final
