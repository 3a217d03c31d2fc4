{#
    No value of any column equals a raw identifier of the landing zone (every source column with
    meta.direct_identifier) or its unkeyed MD5/SHA-1/SHA-256, and no text value has the shape of
    a personnummer, e-mail, phone or IP address. Reports columns and counts, never the values.
    The identifier values and hashes are computed once, in private.leak_scan_values.
#}
{% test privacy_no_identifier_leaks(model) %}
{%- set scan_values = ref('leak_scan_values') -%}
{%- if execute -%}
{%- set node = privacy_model_node(model) -%}
{%- set relation_columns = adapter.get_columns_in_relation(model) -%}
with model_values as (
    {%- for column in relation_columns %}
    select '{{ column.name }}' as column_name, cast({{ column.name }} as varchar) as value, {{ 'true' if column.is_string() else 'false' }} as is_text,
        {{ "'" ~ ((node.columns.get(column.name | lower) or {}).get('meta') or {}).get('category', '') ~ "'" }} as category
    from {{ model }}
    where {{ column.name }} is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

identifier_matches as (
    select model_values.column_name, 'equals a raw identifier (' || scan_values.value_form || ' of ' || scan_values.identifier_source || ')' as leak
    from model_values
    inner join {{ scan_values }} as scan_values on model_values.value = scan_values.scan_value
),

shape_matches as (
    {%- for shape, pattern in var('personal_data_shapes').items() %}
    select column_name, 'has the shape of {{ shape }}' as leak
    from model_values
    where is_text and category <> 'pseudonym' and {{ matches_regex('value', pattern) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select column_name, leak, count(*) as leaking_values
from (
    select * from identifier_matches
    union all
    select * from shape_matches
) as leaks
group by column_name, leak
{%- else -%}
select 1 as placeholder where false
{%- endif -%}
{% endtest %}
