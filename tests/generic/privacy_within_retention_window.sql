{#
    No row of a purpose model belongs to a subject, or is a record, past its window for the
    model's purpose on as_of. Reads the model's declaration (config.meta):
      purpose:   the register's purpose
      retention: a list of ways a row points at a subject, each one of
        {subject_type: customer|lead|visitor, id_column: ...}          raw id
        {subject_type: ..., key_column: ...}                          pseudonym (via the key map)
        {subject_type_column: ..., id_column: ...}                    type in a column
        {record_type: invoice, id_column: invoice_id}                 a bookkeeping record
        {anonymous: true}                                             no subject at all
      optional `where:` (which rows the way applies to) and `event_date_column:` (a record-level
      window from the rule's months, for anonymous visitors' page views).
    Fails with the violating keys (ids or pseudonyms) and why, never with personal values.
#}
{% test privacy_within_retention_window(model) %}
{%- set deadlines = ref('retention_deadlines') -%}
{%- set key_map = ref('int_bizdev_pseudonym_keys') -%}
{#- The row owners of ways `owner_of` (see privacy_resolved_subjects): a dependency of the test. -#}
{%- set row_owners = ref('int_bizdev_row_owners') -%}
{%- set invoices = ref('int_invoices_retention') -%}
{%- set rules_seed = ref('policy_retention_rules') -%}
{%- if execute -%}
{%- set node = privacy_model_node(model) -%}
{%- set purpose = node.config.meta.get('purpose') -%}
{%- set ways = node.config.meta.get('retention') or [] -%}
{%- if not purpose or not ways -%}
    {{ exceptions.raise_compiler_error(node.name ~ " is tested for retention but declares no meta.purpose and meta.retention.") }}
{%- endif -%}
{%- set relation_columns = privacy_relation_columns(model) -%}
with violations as (
{%- for way in ways %}
    {%- if way.get('anonymous') %}
    {#- An anonymous model has no subject: a key or id column would make its rows personal. -#}
    {%- set subject_columns = [] -%}
    {%- for column_name in relation_columns -%}
        {%- set declared = node.columns.get(column_name, {}) -%}
        {%- set category = (declared.meta or {}).get('category') if declared else none -%}
        {%- if column_name.endswith('_key') or column_name.endswith('_id') or category in ['identifier', 'pseudonym'] -%}
            {%- do subject_columns.append(column_name) -%}
        {%- endif -%}
    {%- endfor %}
    select cast('{{ subject_columns | join(",") }}' as {{ varchar_type() }}) as violating_key, 'anonymous model carries a subject key column' as violation
    where {{ 'true' if subject_columns else 'false' }}
    {%- elif way.get('record_type') == 'invoice' %}
    select cast(model_rows.{{ way.id_column }} as {{ varchar_type() }}) as violating_key, 'invoice past its bookkeeping window' as violation
    from {{ model }} as model_rows
    left join {{ invoices }} as windows on model_rows.{{ way.id_column }} = windows.invoice_id
    where windows.invoice_id is null or not windows.within_window
    {%- else %}
    select
        subjects.row_key as violating_key,
        case
            when deadlines.subject_id is null then 'no retention window for this subject and purpose'
            when not deadlines.within_window then 'subject past its window'
            else 'record past its own window'
        end as violation
    from ({{ privacy_resolved_subjects(model, purpose, way, key_map) }}) as subjects
    left join {{ deadlines }} as deadlines
        on deadlines.subject_type = subjects.subject_type
        and deadlines.subject_id = subjects.subject_id
        and deadlines.purpose = '{{ purpose }}'
    left join {{ rules_seed }} as record_rule
        on record_rule.purpose = '{{ purpose }}'
        and record_rule.subject_type = subjects.subject_type
        and record_rule.rule_kind = 'event_plus_months'
    where
        deadlines.subject_id is null
        or not deadlines.within_window
        or (subjects.event_on is not null and {{ as_of_date() }} > {{ add_months('subjects.event_on', 'record_rule.months') }})
    {%- endif %}
    {% if not loop.last %}union all{% endif %}
{%- endfor %}
)

select violation, count(*) as violating_rows, min(violating_key) as example_key
from violations
group by violation
{%- else -%}
select 1 as placeholder where false
{%- endif -%}
{% endtest %}
