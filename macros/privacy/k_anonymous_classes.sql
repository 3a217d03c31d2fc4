{#
    The classes of a row-level mart before it is published: one row per candidate row (`id`)
    with its person (`person`: whose row it is), the mart's quasi-identifiers generalised as its
    YAML declares them (macros/privacy/generalise.sql), how many distinct PEOPLE share that
    combination (`class_people`; k rows of one person protect nobody) and whether it is under k
    (`is_suppressed`). The mart publishes the rows that are not suppressed; the counts go to
    compliance.k_anonymity_suppressions.
#}
{% macro k_anonymous_classes(exact_relation, id_column, person_expression, mart_name) -%}
{%- set generalised = published_generalisations(mart_name) -%}
{%- set class_columns = [] -%}
{%- for name, privacy in generalised -%}{%- do class_columns.append(name) -%}{%- endfor -%}
{%- if not class_columns -%}{%- do class_columns.append("'all'") -%}{%- endif %}
with exact as (

    select * from {{ exact_relation }}

),

generalised as (

    select
        exact.{{ id_column }},
        {{ person_expression }} as person_id{% if generalised %},{% endif %}
        {{ generalised_columns(mart_name, 'exact') }}
    from exact

),

ranked as (

    select
        *,
        {{ person_rank(class_columns, 'person_id') }} as person_rank
    from generalised

),

final as (

    select
        *,
        {{ people_per_class(class_columns, 'person_id') }} as class_people
    from ranked

)

select
    {{ id_column }},
    person_id,
    {%- for name in class_columns if name != "'all'" %}
    {{ name }},
    {%- endfor %}
    class_people,
    class_people < {{ var('k_anonymity') }} as is_suppressed
from final
{%- endmacro %}
