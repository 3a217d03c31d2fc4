{#
    Schemas are named exactly as configured (`staging`, `bizdev`, ...), not prefixed with the
    target schema: the schema names are a public interface that analysts and reviewers query.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
