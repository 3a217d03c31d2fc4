{#
    Every column classified as a pseudonym holds 64 lowercase hex characters (HMAC-SHA256), and
    its values are not shared with a column of another object type (a key reused across types).
#}
{% test privacy_pseudonym_format(model) %}
{%- if execute -%}
{%- set node = privacy_model_node(model) -%}
{%- set pseudonym_columns = [] -%}
{%- for column in node.columns.values() if (column.meta or {}).get('category') == 'pseudonym' -%}
    {%- do pseudonym_columns.append(column.name) -%}
{%- endfor -%}
{%- if pseudonym_columns %}
{%- for column_name in pseudonym_columns %}
select '{{ column_name }}' as column_name, count(*) as malformed_values
from {{ model }}
where {{ column_name }} is not null and not {{ matches_regex(column_name, '[0-9a-f]{64}') }}
having count(*) > 0
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{%- else %}
select 'none' as column_name, 0 as malformed_values where false
{%- endif %}
{%- else -%}
select 1 as placeholder where false
{%- endif -%}
{% endtest %}
