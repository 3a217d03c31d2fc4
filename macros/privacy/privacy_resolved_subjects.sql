{#
    The subject each row of a purpose model is about, for one way the model declares in
    meta.retention (see tests/generic/privacy_within_retention_window.sql): a SELECT of
    row_key (the id or pseudonym a failure may name), subject_type, subject_id (raw, resolved
    through the key map for pseudonyms) and event_on (a record-level date, or null).
    Shared by the retention, objection and consent tests so they resolve subjects one way.
    A way `{owner_of: order, key_column: order_key}` resolves a row through its own pseudonym
    and the private map int_bizdev_row_owners (the tests that use the macro ref that model).
#}
{% macro privacy_resolved_subjects(model, purpose, way, key_map) -%}
    {%- if way.get('owner_of') -%}
    {#- A row whose pseudonym is its own (an order's, a session's): the person it is about comes
        from the private map of row owners (the published row carries no person pseudonym). -#}
    select
        cast(model_rows.{{ way.key_column }} as {{ varchar_type() }}) as row_key,
        cast(owners.person_type as {{ varchar_type() }}) as subject_type,
        cast(owners.person_id as {{ varchar_type() }}) as subject_id,
        owners.record_event_on as event_on
        {%- for column in way.get('carry_columns', []) %},
        model_rows.{{ column }}
        {%- endfor %}
    from {{ model }} as model_rows
    left join {{ ref('int_bizdev_row_owners') }} as owners
        on owners.object_type = '{{ way.owner_of }}'
        and model_rows.{{ way.key_column }} = owners.pseudonym
    where {{ way.get('where', 'true') }}
    {%- else -%}
    {%- set subject_type = "'" ~ way.subject_type ~ "'" if way.get('subject_type') else 'model_rows.' ~ way.subject_type_column -%}
    {%- set row_key = 'model_rows.' ~ (way.get('key_column') or way.get('id_column')) -%}
    select
        cast({{ row_key }} as {{ varchar_type() }}) as row_key,
        cast({{ subject_type }} as {{ varchar_type() }}) as subject_type,
        {%- if way.get('key_column') %}
        key_map.object_id as subject_id,
        {%- else %}
        cast(model_rows.{{ way.id_column }} as {{ varchar_type() }}) as subject_id,
        {%- endif %}
        {%- if way.get('event_date_column') %}
        cast(model_rows.{{ way.event_date_column }} as date) as event_on
        {%- else %}
        cast(null as date) as event_on
        {%- endif %}
        {%- for column in way.get('carry_columns', []) %},
        model_rows.{{ column }}
        {%- endfor %}
    from {{ model }} as model_rows
    {%- if way.get('key_column') %}
    left join {{ key_map }} as key_map
        on key_map.purpose = '{{ purpose }}'
        and key_map.object_type = {{ subject_type }}
        and {{ row_key }} = key_map.pseudonym
    {%- endif %}
    where {{ way.get('where', 'true') }}
    {%- endif -%}
{%- endmacro %}

{# The ways of meta.retention that name a subject (not anonymous, not a bookkeeping record). #}
{% macro privacy_subject_ways(node) -%}
    {%- set ways = [] -%}
    {%- for way in node.config.meta.get('retention') or [] -%}
        {%- if not way.get('anonymous') and not way.get('record_type') -%}{%- do ways.append(way) -%}{%- endif -%}
    {%- endfor -%}
    {{- return(ways) -}}
{%- endmacro %}
