{#
    The evaluation date (register decision 9): every window, test and report is computed for it,
    so a build can be replayed for any day. `--vars '{"as_of": "2025-06-30"}'`; unset = today (UTC).
#}
{% macro as_of_value() -%}
    {%- set value = var('as_of', none) or run_started_at.strftime('%Y-%m-%d') -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value | string) -%}
        {{ exceptions.raise_compiler_error("var as_of must be a date YYYY-MM-DD, got '" ~ value ~ "'.") }}
    {%- endif -%}
    {{- return(value | string) -}}
{%- endmacro %}

{% macro as_of_date() -%}
    cast('{{ as_of_value() }}' as date)
{%- endmacro %}
