{#
    `expression` with its percent-escapes decoded (`%40` -> `@`), or unchanged where it holds
    none or cannot be decoded: the leak scan looks for personal data in both forms, so an e-mail
    written `anna%40example.se` or a personnummer after `%0A` is found like a plain one.
#}
{% macro url_decoded(expression) -%}
    {{ return(adapter.dispatch('url_decoded', 'privacy_warehouse')(expression)) }}
{%- endmacro %}

{#- DuckDB's url_decode raises on an escape that is not UTF-8 (`%E2%82`): keep the value then. -#}
{% macro duckdb__url_decoded(expression) -%}
    coalesce(try(url_decode({{ expression }})), {{ expression }})
{%- endmacro %}

{% macro spark__url_decoded(expression) -%}
    coalesce(try_url_decode({{ expression }}), {{ expression }})
{%- endmacro %}

{#- PostgreSQL has no URL decoder: the escapes of the characters that personal data is written
    with (digits, letters' separators, @ . + - ( ) [ ] and white space), in either case of hex. -#}
{% macro default__url_decoded(expression) -%}
    {%- set escapes = ['40', '2E', '2B', '2D', '28', '29', '5B', '5D', '20', '0A', '0D', '09', '2F', '3A', '5F',
                       '30', '31', '32', '33', '34', '35', '36', '37', '38', '39'] -%}
    {%- set ns = namespace(sql=expression) -%}
    {%- for hex in escapes -%}
        {%- set literal = "chr(" ~ (hex | int(base=16)) ~ ")" -%}
        {%- set ns.sql = "replace(" ~ ns.sql ~ ", '%" ~ hex ~ "', " ~ literal ~ ")" -%}
        {%- if hex != hex | lower -%}
            {%- set ns.sql = "replace(" ~ ns.sql ~ ", '%" ~ (hex | lower) ~ "', " ~ literal ~ ")" -%}
        {%- endif -%}
    {%- endfor -%}
    {{ ns.sql }}
{%- endmacro %}
