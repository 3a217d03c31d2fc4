{#
    l-diversity (docs/attacker-model.md), l = var l_diversity: in a row-level table
    (meta.k_anonymity.people), every class of rows sharing the quasi-identifiers holds at least l
    distinct values of each declared sensitive column (column meta `privacy.quasi_identifier:
    false` with a `sensitive_reason`; `sensitive: false` opts a column out, with a reason): else
    whoever knows which class a person is in learns the value without singling anyone out. A
    class in which the column is null throughout has nothing to tell. Fails with one row per
    sensitive column and number of values, counting the classes and the rows they touch. A
    column that is neither a quasi-identifier nor sensitive without a stated reason fails too.
#}
{% test privacy_l_diversity(model) %}
{%- if execute -%}
{%- set node = privacy_model_node(model) -%}
{%- set people = (node.config.meta.get('k_anonymity') or {}).get('people') -%}
{%- set l = var('l_diversity') -%}
{%- set quasi_identifiers = [] -%}
{%- set sensitive = [] -%}
{%- set unexplained = [] -%}
{%- for name in privacy_relation_columns(model) -%}
    {%- set column = node.columns.get(name) -%}
    {%- set meta = (column.meta if column else {}) or {} -%}
    {%- set privacy = meta.get('privacy') or {} -%}
    {%- if meta.get('category') == 'pseudonym' -%}
    {%- elif privacy.get('quasi_identifier') == false and privacy.get('sensitive', true) -%}
        {%- do sensitive.append(name) -%}
    {%- elif privacy.get('quasi_identifier') == false -%}
        {%- if not privacy.get('not_sensitive_reason') -%}{%- do unexplained.append(name) -%}{%- endif -%}
    {%- else -%}
        {%- do quasi_identifiers.append(name) -%}
    {%- endif -%}
{%- endfor -%}
{%- set classes = quasi_identifiers if quasi_identifiers else ["'all'"] -%}
{%- if people and sensitive %}
with
{%- for name in sensitive %}
{{ name }}_classes as (

    select
        '{{ name }}' as sensitive_column,
        count(distinct {{ name }}) as distinct_values,
        count(*) as class_rows
    from {{ model }}
    group by {{ classes | join(', ') }}

),
{%- endfor %}

homogeneous as (
    {%- for name in sensitive %}
    select * from {{ name }}_classes where distinct_values between 1 and {{ l - 1 }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select sensitive_column, distinct_values, count(*) as classes, sum(class_rows) as rows_touched
from homogeneous
group by sensitive_column, distinct_values
{%- for name in unexplained %}
union all
select '{{ name }}' as sensitive_column, 0 as distinct_values, 0 as classes, 0 as rows_touched
{#- {{ name }}: quasi_identifier false and sensitive false without a not_sensitive_reason -#}
{%- endfor %}
{%- elif unexplained %}
select '{{ unexplained | join(", ") }}: neither a quasi-identifier nor sensitive, without a not_sensitive_reason' as undeclared
{%- else %}
select 1 as placeholder where false
{%- endif %}
{%- else -%}
select 1 as placeholder where false
{%- endif -%}
{% endtest %}
