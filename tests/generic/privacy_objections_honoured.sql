{#
    No row of a purpose model is about a subject whose objection, received on or before as_of,
    closes the model's purpose (register decision 6; scopes in seed policy_objection_scopes).
    Subjects are resolved the way the model declares them in meta.retention.
    Rejected objections honoured fail closed (docs/decisions-enums.md) are checked a second time
    from int_objections_fail_closed itself, so a model (int_subject_objections included) that
    forgets them fails here.
#}
{% test privacy_objections_honoured(model) %}
{%- set objections = ref('int_subject_objections') -%}
{%- set fail_closed = ref('int_objections_fail_closed') -%}
{%- set scopes = ref('policy_objection_scopes') -%}
{%- set key_map = ref('int_bizdev_pseudonym_keys') -%}
{#- The row owners of ways `owner_of` (see privacy_resolved_subjects): a dependency of the test. -#}
{%- set row_owners = ref('int_bizdev_row_owners') -%}
{%- if execute -%}
{%- set node = privacy_model_node(model) -%}
{%- set purpose = node.config.meta.get('purpose') -%}
{%- set ways = privacy_subject_ways(node) -%}
{%- if not ways -%}
    {{ exceptions.raise_compiler_error(node.name ~ " is tested for objections but declares no subject in meta.retention.") }}
{%- endif %}
with subjects as (
    {%- for way in ways %}
    {{ privacy_resolved_subjects(model, purpose, way, key_map) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select subjects.row_key as violating_key, objections.objection_scopes, objections.objected_on
from subjects
inner join {{ objections }} as objections
    on subjects.subject_type = objections.subject_type
    and subjects.subject_id = objections.subject_id
    and objections.purpose = '{{ purpose }}'
where objections.objected_on <= {{ as_of_date() }}

union all

select subjects.row_key as violating_key, fail_closed.honoured_as as objection_scopes, fail_closed.received_on as objected_on
from subjects
inner join {{ fail_closed }} as fail_closed
    on subjects.subject_type = fail_closed.subject_type
    and subjects.subject_id = fail_closed.subject_id
inner join {{ scopes }} as scopes
    on fail_closed.objection_scope = scopes.scope
    and scopes.closes_purpose = '{{ purpose }}'
where fail_closed.received_on <= {{ as_of_date() }}
{%- else -%}
select 1 as placeholder where false
{%- endif -%}
{% endtest %}
