{#
    Every column of a purpose model is of a category the register lets that purpose use
    (seed policy_purpose_categories). A column with no declared category, or one the database has
    but the documentation does not, fails too: an unclassified column cannot be proven allowed.
#}
{% test privacy_allowed_categories(model) %}
{%- set allowed = ref('policy_purpose_categories') -%}
{%- if execute -%}
{%- set node = privacy_model_node(model) -%}
{%- set purpose = node.config.meta.get('purpose') -%}
{%- set rows = [] -%}
{%- for column_name in privacy_relation_columns(model) -%}
    {%- set declared = node.columns.get(column_name) -%}
    {%- set category = (declared.meta or {}).get('category') if declared else none -%}
    {%- do rows.append("select '" ~ column_name ~ "' as column_name, " ~ ("'" ~ category ~ "'" if category else 'cast(null as ' ~ varchar_type() ~ ')') ~ " as category") -%}
{%- endfor %}
with model_columns as (
    {{ rows | join('\n    union all\n    ') }}
),

purpose_categories as (
    select category from {{ allowed }} where purpose = '{{ purpose }}'
)

select
    model_columns.column_name,
    coalesce(model_columns.category, '(unclassified)') as category,
    '{{ purpose }}' as purpose
from model_columns
left join purpose_categories on model_columns.category = purpose_categories.category
where purpose_categories.category is null
{%- else -%}
select 1 as placeholder where false
{%- endif -%}
{% endtest %}
