{#
    Every row on a channel that needs consent (seed policy_consent_channels) belongs to a subject
    whose latest consent event for that channel, on or before as_of, is `granted`
    (register decision 7). The channel column is declared in meta.consent.channel_column.
#}
{% test privacy_consent_honoured(model) %}
{%- set consents = ref('int_subject_consents') -%}
{%- set channels = ref('policy_consent_channels') -%}
{%- set key_map = ref('int_bizdev_pseudonym_keys') -%}
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
{%- else -%}
select 1 as placeholder where false
{%- endif -%}
{% endtest %}
