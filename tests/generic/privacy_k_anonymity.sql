{#
    k-anonymity in PEOPLE (docs/attacker-model.md), k = var k_anonymity:
    - a row-level table (meta.k_anonymity.people: the pseudonym column that names each row and
      its object type): every combination of its quasi-identifiers describes at least k distinct
      people. The quasi-identifiers are every column that is not a pseudonym, unless its YAML
      declares it sensitive-only (meta.privacy.quasi_identifier: false, with a sensitive_reason).
      People are resolved through the private map int_bizdev_row_owners; a row it cannot
      resolve counts as a person of its own.
    - an aggregate (meta.k_anonymity.count_column): no cell counts fewer than k people.
    A model declaring neither fails: it must say which applies.
#}
{% test privacy_k_anonymity(model) %}
{%- set row_owners = ref('int_bizdev_row_owners') -%}
{%- if execute -%}
{%- set node = privacy_model_node(model) -%}
{%- set declaration = node.config.meta.get('k_anonymity') or {} -%}
{%- set people = declaration.get('people') -%}
{%- set k = var('k_anonymity') -%}
{%- if people %}
{%- set quasi_identifiers = [] -%}
{%- set undeclared = [] -%}
{%- for name in privacy_relation_columns(model) -%}
    {%- set column = node.columns.get(name) -%}
    {%- set meta = (column.meta if column else {}) or {} -%}
    {%- set privacy = meta.get('privacy') or {} -%}
    {%- if meta.get('category') == 'pseudonym' -%}
    {%- elif privacy.get('quasi_identifier') == false and (privacy.get('sensitive_reason') or privacy.get('not_sensitive_reason')) -%}
    {%- elif privacy.get('quasi_identifier') == false -%}
        {%- do undeclared.append(name) -%}
        {%- do quasi_identifiers.append(name) -%}
    {%- else -%}
        {%- do quasi_identifiers.append(name) -%}
    {%- endif -%}
{%- endfor -%}
{%- set classes = quasi_identifiers if quasi_identifiers else ["'all'"] %}
with resolved as (

    select
        model_rows.*,
        coalesce(owners.person_type || ':' || owners.person_id, 'row:' || cast(model_rows.{{ people.key_column }} as {{ varchar_type() }})) as person__
    from {{ model }} as model_rows
    left join {{ row_owners }} as owners
        on owners.object_type = '{{ people.object_type }}'
        and model_rows.{{ people.key_column }} = owners.pseudonym

),

people_per_class as (

    select {{ classes | join(', ') }}, count(distinct person__) as class_people, count(*) as class_rows
    from resolved
    group by {{ classes | join(', ') }}

)

select class_people, count(*) as classes, sum(class_rows) as rows_in_them
from people_per_class
where class_people < {{ k }}
group by class_people
{%- for name in undeclared %}
union all
select 0 as class_people, 0 as classes, 0 as rows_in_them
{#- {{ name }} is declared quasi_identifier false without a sensitive_reason -#}
{%- endfor %}
{%- elif declaration.get('count_column') %}
select {{ declaration.count_column }} as class_people, count(*) as classes, 0 as rows_in_them
from {{ model }}
where {{ declaration.count_column }} < {{ k }}
group by {{ declaration.count_column }}
{%- else %}
select '{{ node.name }} declares neither meta.k_anonymity.people nor meta.k_anonymity.count_column' as missing_declaration
{%- endif %}
{%- else -%}
select 1 as placeholder where false
{%- endif -%}
{% endtest %}
