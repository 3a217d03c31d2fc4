{#
    The unkeyed hashes a careless pipeline would publish instead of a pseudonym (MD5, SHA-1,
    SHA-256 as lowercase hex): the leak scan looks for these of every raw identifier.
#}
{% macro unkeyed_hash(algorithm, expression) -%}
    {{ return(adapter.dispatch('unkeyed_hash', 'privacy_warehouse')(algorithm, expression)) }}
{%- endmacro %}

{% macro default__unkeyed_hash(algorithm, expression) -%}
    {%- if algorithm == 'md5' -%}md5({{ expression }})
    {%- else -%}encode(digest({{ expression }}, '{{ algorithm }}'), 'hex'){%- endif -%}
{%- endmacro %}

{% macro duckdb__unkeyed_hash(algorithm, expression) -%}
    {{ algorithm }}({{ expression }})
{%- endmacro %}

{% macro spark__unkeyed_hash(algorithm, expression) -%}
    {%- if algorithm == 'sha256' -%}sha2({{ expression }}, 256){%- else -%}{{ algorithm }}({{ expression }}){%- endif -%}
{%- endmacro %}
