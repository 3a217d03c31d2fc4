{#
    Every accepted landing record with the subject it is about, the day it happened and the
    invoice that keeps it: the unit the erasure queue and the retention forecast count. Written
    from the tables' declarations (meta: record_date, subjects, invoice), so a new landing table
    is counted without an edit here. Reads the quarantine models (staging/base: the rows as
    landed, with their verdict) and keeps the accepted rows.

    Ids are used as landed: a key or a reference of an accepted row is exact (it matched). Any
    other subject id (a cookie id) names no one when blank, as its staging model has it.
#}
{% macro landing_records() -%}
    {%- do depend_on_landing_models(['base_']) -%}
    {%- set tables = landing_tables() -%}
    {%- for node in tables %}
        {%- set meta = node.meta -%}
        {%- set lookups = {} -%}
        {%- set subject_ids = [] -%}
        {%- set subject_types = [] -%}
        {%- for subject in meta.subjects -%}
            {%- set id_sql = _landing_value(node, subject, lookups, subject=true) -%}
            {%- do subject_ids.append(id_sql) -%}
            {%- do subject_types.append((id_sql, ('trim(landing.' ~ subject.type_column ~ ')') if subject.type_column else ("'" ~ subject.type ~ "'"))) -%}
        {%- endfor -%}
        {%- set record_on = _landing_value(node, meta.record_date, lookups) -%}
        {%- set invoice = _landing_value(node, meta.invoice, lookups) if meta.get('invoice') else 'cast(null as ' ~ varchar_type() ~ ')' %}
    select
        '{{ node.source_name }}.{{ node.name }}' as source_table,
        landing.record_id,
        {% if subject_types | length == 1 -%}
        {{ subject_types[0][1] }} as subject_type,
        {%- else -%}
        case
            {%- for id_sql, type_sql in subject_types %}
            {% if loop.last %}else{% else %}when {{ id_sql }} is not null then{% endif %} {{ type_sql }}
            {%- endfor %}
        end as subject_type,
        {%- endif %}
        {% if subject_ids | length == 1 -%}
        {{ subject_ids[0] }}
        {%- else -%}
        coalesce({{ subject_ids | join(', ') }})
        {%- endif %} as subject_id,
        cast({{ record_on }} as date) as record_on,
        {{ invoice }} as invoice_id
    from {{ ref('base_' ~ node.source_name ~ '__' ~ node.name) }} as landing
    {%- for lookup in lookups.values() %}
    {%- set target = lookup.lookup.split('.') %}
    {%- set target_node = graph.sources['source.' ~ project_name ~ '.' ~ target[0] ~ '.' ~ target[1]] %}
    {#- An accepted row's key is unique: looked up by its key, no aggregate is needed. #}
    {%- set by_key = target_node.meta.primary_key == [target[2]] %}
    left join (
        select
            {{ target[2] }} as lookup_key,
            {%- for take in lookup.takes %}
            {{ 'min(' ~ take ~ ')' if not by_key else take }} as {{ take }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        from {{ ref(landing_base_model(lookup.lookup)) }}
        where rejection_reason is null
        {%- if not by_key %}
        group by {{ target[2] }}
        {%- endif %}
    ) as {{ lookup.alias }} on landing.{{ lookup.column }} = {{ lookup.alias }}.lookup_key
    {%- endfor %}
    where landing.rejection_reason is null
    {% if not loop.last -%}
        union all
    {%- endif %}
    {%- endfor %}
    {%- if not tables %}
    select
        cast(null as {{ varchar_type() }}) as source_table,
        cast(null as {{ varchar_type() }}) as record_id,
        cast(null as {{ varchar_type() }}) as subject_type,
        cast(null as {{ varchar_type() }}) as subject_id,
        cast(null as date) as record_on,
        cast(null as {{ varchar_type() }}) as invoice_id
    where false
    {%- endif %}
{%- endmacro %}

{#
    The SQL of one declared value of a landing row (`landing`): its own column, or the column
    `take` of the row found through `lookup` (a join collected in `lookups`).
#}
{% macro _landing_value(node, declared, lookups, subject=false) -%}
    {%- set value = {'column': declared} if declared is string else declared -%}
    {%- if value.get('lookup') -%}
        {%- set key = value.column ~ '->' ~ value.lookup -%}
        {%- if key not in lookups -%}
            {%- do lookups.update({key: {'column': value.column, 'lookup': value.lookup, 'takes': [], 'alias': 'lookup_' ~ (lookups | length + 1)}}) -%}
        {%- endif -%}
        {%- if value.take not in lookups[key].takes -%}
            {%- do lookups[key].takes.append(value.take) -%}
        {%- endif -%}
        {{- return(lookups[key].alias ~ '.' ~ value.take) -}}
    {%- endif -%}
    {%- set column = node.columns[value.column] -%}
    {%- if subject and value.column not in node.meta.primary_key and not column.meta.get('references') -%}
        {{- return("nullif(trim(landing." ~ value.column ~ "), '')") -}}
    {%- endif -%}
    {{- return('landing.' ~ value.column) -}}
{%- endmacro %}
