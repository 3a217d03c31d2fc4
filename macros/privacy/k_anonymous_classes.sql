{#
    The classes of a row-level mart before it is published: one row per candidate row (`id`)
    with its person (`person_id`: whose row it is), the mart's published columns generalised as
    its YAML declares them (macros/privacy/generalise.sql), how many distinct PEOPLE share its
    quasi-identifier combination (`class_people`; k rows of one person protect nobody), how it was
    protected (`protection_step`) and whether it is still unsafe and so withheld (`is_suppressed`).

    A class needs protection when it describes fewer than k people, or when it holds fewer than l
    distinct values of a declared sensitive column (column meta `privacy.quasi_identifier: false`
    with a `sensitive_reason`: knowing the class would tell the value). Before a row is removed,
    the steps ARX takes, in this order, each applied only to the rows of classes that still need
    it, and each followed by counting the classes again (docs/attacker-model.md):
      1. top-coding: already in the declared levels (a column's `top`: outliers share one band);
      2. local recoding: each column that declares `recoded_level` is published one level more
         general for those rows alone (only where the coarser value cannot be mistaken for a
         finer one: a region `SE-1` is not an area `SE-11`);
      3. attribute-wise suppression: the columns the model lists in
         `meta.k_anonymity.people.blank_before_suppressing` are blanked (null) one by one, in
         that order, the row kept;
      4. row suppression: what still needs protection is withheld, and counted
         (compliance.k_anonymity_suppressions).
    A row only ever leaves a class that needs protection, so a class that is safe stays safe
    (it can only gain rows), and the final classes are what the mart publishes.
#}
{% macro k_anonymous_classes(exact_relation, id_column, person_expression, mart_name) -%}
{%- set generalised = published_generalisations(mart_name) -%}
{%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ mart_name) if execute else none -%}
{%- set people = ((node.config.meta.get('k_anonymity') or {}).get('people') or {}) if node else {} -%}
{%- set class_columns = [] -%}
{%- set sensitive_columns = [] -%}
{%- set recoded = [] -%}
{%- for name, privacy in generalised -%}
    {%- if privacy.get('quasi_identifier') == false -%}
        {%- if privacy.get('sensitive', true) -%}{%- do sensitive_columns.append(name) -%}{%- endif -%}
    {%- else -%}
        {%- do class_columns.append(name) -%}
    {%- endif -%}
    {%- if privacy.get('recoded_level') -%}{%- do recoded.append((name, privacy)) -%}{%- endif -%}
{%- endfor -%}
{%- if not class_columns -%}{%- do class_columns.append("'all'") -%}{%- endif -%}
{%- set steps = [] -%}
{%- if recoded -%}{%- do steps.append(('recoded', {})) -%}{%- endif -%}
{%- set blanked = [] -%}
{%- for column in people.get('blank_before_suppressing') or [] -%}
    {%- if column not in class_columns -%}
        {{ exceptions.raise_compiler_error(mart_name ~ ": blank_before_suppressing names " ~ column ~ ", which is not a generalised quasi-identifier of the mart") }}
    {%- endif -%}
    {%- do blanked.append(column) -%}
    {%- do steps.append(('blanked_' ~ column, {'blank': column})) -%}
{%- endfor %}
with exact as (

    select * from {{ exact_relation }}

),

generalised as (

    select
        exact.{{ id_column }},
        {{ person_expression }} as person_id,
        {%- for name, privacy in recoded %}
        {{ generalise('exact.' ~ privacy.get('source', name), privacy.hierarchy, privacy.recoded_level, privacy.get('top')) }} as {{ name }}__recoded,
        {%- endfor %}
        {{ generalised_columns(mart_name, 'exact') }},
        cast('declared_levels' as {{ varchar_type() }}) as protection_step
    from exact

),

step_0 as (

    {{ classes_needing_protection('generalised', class_columns, sensitive_columns) | indent(4) }}

),
{%- for step_name, step in steps %}

step_{{ loop.index }}_moved as (

    {#- {{ step_name }}: only the rows of classes that still need protection change. #}
    select
        {{ id_column }},
        person_id,
        {%- for name, privacy in recoded %}
        {{ name }}__recoded,
        {%- endfor %}
        {%- for name, privacy in generalised %}
        {%- if step_name == 'recoded' and privacy.get('recoded_level') %}
        case when needs_protection then {{ name }}__recoded else {{ name }} end as {{ name }},
        {%- elif step.get('blank') == name %}
        case when needs_protection then null else {{ name }} end as {{ name }},
        {%- else %}
        {{ name }},
        {%- endif %}
        {%- endfor %}
        case when needs_protection then '{{ step_name }}' else protection_step end as protection_step
    from step_{{ loop.index0 }}

),

step_{{ loop.index }} as (

    {{ classes_needing_protection('step_' ~ loop.index ~ '_moved', class_columns, sensitive_columns) | indent(4) }}

),
{%- endfor %}

final as (

    select * from step_{{ steps | length }}

)

select
    {{ id_column }},
    person_id,
    {%- for name, privacy in generalised %}
    {{ name }},
    {%- endfor %}
    class_people,
    case when needs_protection then 'suppressed' else protection_step end as protection_step,
    needs_protection as is_suppressed
from final
{%- endmacro %}

{#
    Each row of `relation` with its class's distinct people (`class_people`) and whether the
    class needs protection: fewer than k people, or fewer than l distinct values of a sensitive
    column (a class in which the column is null throughout, e.g. no lead time for undelivered
    orders, has nothing to tell). Distinct counts over a window are not portable: the first row
    of each person, and of each sensitive value, per class is counted instead.
#}
{% macro classes_needing_protection(relation, class_columns, sensitive_columns) -%}
{%- set partition = class_columns | join(', ') -%}
select
    ranked.*,
    {{ people_per_class(class_columns, 'person_id') }} as class_people,
    (
        {{ people_per_class(class_columns, 'person_id') }} < {{ var('k_anonymity') }}
        {%- for name in sensitive_columns %}
        or (
            count(case when {{ name }}__value_rank = 1 and {{ name }} is not null then 1 end) over (partition by {{ partition }})
            between 1 and {{ var('l_diversity') - 1 }}
        )
        {%- endfor %}
    ) as needs_protection
from (
    select
        *,
        {%- for name in sensitive_columns %}
        row_number() over (partition by {{ partition }}, {{ name }} order by person_id) as {{ name }}__value_rank,
        {%- endfor %}
        {{ person_rank(class_columns, 'person_id') }} as person_rank
    from {{ relation }}
) as ranked
{%- endmacro %}
