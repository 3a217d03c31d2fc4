{#
    The graph node of the model a generic test is attached to, so that privacy tests read the
    model's own declarations (config.meta, column meta) instead of arguments kept by hand.
#}
{% macro privacy_model_node(model) -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model'
            and node.alias | lower == model.identifier | lower
            and node.schema | lower == model.schema | lower -%}
        {{- return(node) -}}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("No model node found for " ~ model ~ ".") }}
{%- endmacro %}

{# The columns of a relation as the database has them, lower-cased. #}
{% macro privacy_relation_columns(model) -%}
    {{- return(adapter.get_columns_in_relation(model) | map(attribute='name') | map('lower') | list) -}}
{%- endmacro %}
