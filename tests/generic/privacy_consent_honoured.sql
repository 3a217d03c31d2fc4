{#
    Every row on a channel that needs consent (seed policy_consent_channels) belongs to a subject
    whose latest consent event for that channel, on or before as_of, is `granted`
    (register decision 7). The channel column is declared in meta.consent.channel_column.
    A rejected consent event honoured as a withdrawal (fail closed, docs/decisions-enums.md) is
    checked a second time from int_consent_withdrawals_fail_closed and the accepted events: no
    accepted grant after it, no row on its channel, whatever int_subject_consents says.
#}
{% test privacy_consent_honoured(model) %}
{%- set consents = ref('int_subject_consents') -%}
{%- set fail_closed = ref('int_consent_withdrawals_fail_closed') -%}
{%- set accepted_events = ref('stg_consent__consent_events') -%}
{%- set channels = ref('policy_consent_channels') -%}
{%- set key_map = ref('int_bizdev_pseudonym_keys') -%}
{#- The row owners of ways `owner_of` (see privacy_resolved_subjects): a dependency of the test. -#}
{%- set row_owners = ref('int_bizdev_row_owners') -%}
{%- if execute -%}
{%- set node = privacy_model_node(model) -%}
{%- set purpose = node.config.meta.get('purpose') -%}
{%- set consent = node.config.meta.get('consent') -%}
{%- if not consent -%}
    {{ exceptions.raise_compiler_error(node.name ~ " is tested for consent but declares no meta.consent.channel_column.") }}
{%- endif %}
with subjects as (
    {%- for way in privacy_subject_ways(node) %}
    {%- do way.update({'carry_columns': [consent.channel_column]}) %}
    {{ privacy_resolved_subjects(model, purpose, way, key_map) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select subjects.row_key as violating_key, subjects.{{ consent.channel_column }} as channel,
    coalesce(consents.latest_action, 'never asked') as latest_action
from subjects
inner join {{ channels }} as channels
    on subjects.{{ consent.channel_column }} = channels.channel and channels.needs_consent
left join {{ consents }} as consents
    on subjects.subject_type = consents.subject_type
    and subjects.subject_id = consents.subject_id
    and subjects.{{ consent.channel_column }} = consents.channel
where not coalesce(consents.has_consent, false)

union all

select subjects.row_key as violating_key, subjects.{{ consent.channel_column }} as channel,
    fail_closed.honoured_as as latest_action
from subjects
inner join {{ fail_closed }} as fail_closed
    on subjects.subject_type = fail_closed.subject_type
    and subjects.subject_id = fail_closed.subject_id
    and subjects.{{ consent.channel_column }} = fail_closed.channel
where not exists (
    select 1
    from {{ accepted_events }} as grants
    where grants.subject_type = fail_closed.subject_type
        and grants.subject_id = fail_closed.subject_id
        and grants.channel = fail_closed.channel
        and grants.consent_action = 'granted'
        and grants.occurred_at > fail_closed.occurred_at
)
{%- else -%}
select 1 as placeholder where false
{%- endif -%}
{% endtest %}
