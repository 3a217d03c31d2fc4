{#
    No group of rows sharing the model's quasi-identifiers (meta.quasi_identifiers) is smaller
    than k (var k_anonymity), and no aggregate cell counts fewer than k people
    (meta.k_anonymity.count_column). A model declaring neither fails: it must say which applies,
    or say why neither does (meta.k_anonymity.not_applicable: a row-level fact whose subjects'
    quasi-identifiers are tested in dim_customers).
#}
{% test privacy_k_anonymity(model) %}
{%- if execute -%}
{%- set node = privacy_model_node(model) -%}
{%- set quasi_identifiers = node.config.meta.get('quasi_identifiers') -%}
{%- set cell = node.config.meta.get('k_anonymity') -%}
{%- set k = var('k_anonymity') -%}
{%- if quasi_identifiers %}
select {{ quasi_identifiers | join(', ') }}, count(*) as group_size
from {{ model }}
group by {{ quasi_identifiers | join(', ') }}
having count(*) < {{ k }}
{%- elif cell and cell.get('not_applicable') %}
{#- A row-level pseudonymised fact: its subject's quasi-identifiers are tested in the dimension. -#}
select 1 as group_size where false
{%- elif cell %}
select {{ cell.count_column }} as group_size, count(*) as cells
from {{ model }}
where {{ cell.count_column }} < {{ k }}
group by {{ cell.count_column }}
{%- else %}
select '{{ node.name }} declares neither meta.quasi_identifiers nor meta.k_anonymity' as missing_declaration
{%- endif %}
{%- else -%}
select 1 as placeholder where false
{%- endif -%}
{% endtest %}
