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
{#- The model's values as (column_name, value) rows, written out as a subquery in each branch
    below rather than one CTE: a CTE read by several branches is materialised in memory, and at
    scale 10 that ran out of memory under 2 GB; each branch re-reads the table instead (cheap).
    Hashes can only be text; the shape checks skip pseudonym columns (hex by construction). -#}
{%- set column_sets = {'all': [], 'text': [], 'shaped': []} -%}
{%- for column in relation_columns -%}
    {%- do column_sets['all'].append(column.name) -%}
    {%- if column.is_string() -%}
        {%- do column_sets['text'].append(column.name) -%}
        {%- if ((node.columns.get(column.name | lower) or {}).get('meta') or {}).get('category', '') != 'pseudonym' -%}
            {%- do column_sets['shaped'].append(column.name) -%}
        {%- endif -%}
    {%- endif -%}
{%- endfor -%}
{%- set values_of = {} -%}
{%- for set_name, column_names in column_sets.items() -%}
    {%- set branches = [] -%}
    {%- for name in column_names -%}
        {%- do branches.append("select '" ~ name ~ "' as column_name, cast(" ~ name ~ " as " ~ varchar_type() ~ ") as value from " ~ model ~ " where " ~ name ~ " is not null") -%}
    {%- endfor -%}
    {%- if not branches -%}
        {%- do branches.append("select cast(null as " ~ varchar_type() ~ ") as column_name, cast(null as " ~ varchar_type() ~ ") as value where 1 = 0") -%}
    {%- endif -%}
    {%- do values_of.update({set_name: branches | join(' union all ')}) -%}
{%- endfor %}

{#- Raw values shorter than 6 characters (card_last4) would match ordinary numbers: only their
    hashes count. A hash is found by its 12-digit prefix and confirmed by the whole hash. #}
with identifier_matches as (
    select model_values.column_name, 'equals a raw identifier (raw value of ' || scan_values.identifier_source || ')' as leak
    from ({{ values_of['all'] }}) as model_values
    inner join {{ scan_values }} as scan_values on model_values.value = scan_values.identifier_value
    where length(scan_values.identifier_value) >= 6
    {%- for algorithm, hex_digits in [('md5', 32), ('sha1', 40), ('sha256', 64)] %}
    union all
    select model_values.column_name, 'equals a raw identifier (unkeyed {{ algorithm }} of ' || scan_values.identifier_source || ')' as leak
    from ({{ values_of['text'] }}) as model_values
    inner join {{ scan_values }} as scan_values on left(model_values.value, 12) = scan_values.{{ algorithm }}_prefix
    {#- position(...) = 1 on equal lengths is equality, but not one the optimiser turns into a
        join key: as a key it would hash every identifier of the landing zone on each run. #}
    where length(model_values.value) = {{ hex_digits }}
        and position(model_values.value in {{ unkeyed_hash(algorithm, 'scan_values.identifier_value') }}) = 1
    {%- endfor %}
),

shape_matches as (
    {%- for shape, pattern in var('personal_data_shapes').items() %}
    select model_values.column_name, 'has the shape of {{ shape }}' as leak
    from ({{ values_of['shaped'] }}) as model_values
    where {{ matches_regex('model_values.value', pattern) }}
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
