{#
    No value of any column equals a raw identifier of the landing zone (every source column with
    meta.direct_identifier) or its unkeyed MD5/SHA-1/SHA-256, and no text value has the shape of
    a personnummer, e-mail, phone or IP address. Reports columns and counts, never the values.
    The identifier values and their hashes' prefixes are computed once, in private.leak_scan_values.
#}
{% test privacy_no_identifier_leaks(model) %}
{%- set scan_values = ref('leak_scan_values') -%}
{%- if execute -%}
{%- set node = privacy_model_node(model) -%}
{%- set relation_columns = adapter.get_columns_in_relation(model) -%}
with model_values as (
    {%- for column in relation_columns %}
    select '{{ column.name }}' as column_name, cast({{ column.name }} as {{ varchar_type() }}) as value, {{ 'true' if column.is_string() else 'false' }} as is_text,
        {{ "'" ~ ((node.columns.get(column.name | lower) or {}).get('meta') or {}).get('category', '') ~ "'" }} as category
    from {{ model }}
    where {{ column.name }} is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

{#- Raw values shorter than 6 characters (card_last4) would match ordinary numbers: only their
    hashes count. A hash is found by its 12-digit prefix and confirmed by the whole hash. #}
identifier_matches as (
    select model_values.column_name, 'equals a raw identifier (raw value of ' || scan_values.identifier_source || ')' as leak
    from model_values
    inner join {{ scan_values }} as scan_values on model_values.value = scan_values.identifier_value
    where length(scan_values.identifier_value) >= 6
    {%- for algorithm, hex_digits in [('md5', 32), ('sha1', 40), ('sha256', 64)] %}
    union all
    select model_values.column_name, 'equals a raw identifier (unkeyed {{ algorithm }} of ' || scan_values.identifier_source || ')' as leak
    from model_values
    inner join {{ scan_values }} as scan_values on left(model_values.value, 12) = scan_values.{{ algorithm }}_prefix
    where length(model_values.value) = {{ hex_digits }}
        and model_values.value = {{ unkeyed_hash(algorithm, 'scan_values.identifier_value') }}
    {%- endfor %}
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
