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

{#- PostgreSQL has no URL decoder: every %XX escape is decoded, as DuckDB and Spark do. The value
    is cut into pieces (an escaped UTF-8 character, a run without `%`, a lone `%`), each escaped
    character's bytes decoded, and the pieces joined in order. Only escapes that spell a valid
    UTF-8 character (and not NUL, which a PostgreSQL text cannot hold) are decoded: any other
    (`%E2%82` cut short, `%ZZ`, `%00`) stays as written, where DuckDB would keep the whole value,
    so PostgreSQL decodes at least as much. Values without `%` skip the work. -#}
{% macro default__url_decoded(expression) -%}
    {%- set continuation = '%[89AB][0-9A-F]' -%}
    {%- set utf8_escape = '|'.join([
        '%(?:0[1-9A-F]|[1-7][0-9A-F])',
        '%(?:C[2-9A-F]|D[0-9A-F])' ~ continuation,
        '%E0%[AB][0-9A-F]' ~ continuation,
        '%(?:E[1-9A-C]|E[EF])' ~ continuation ~ continuation,
        '%ED%[89][0-9A-F]' ~ continuation,
        '%F0%[9AB][0-9A-F]' ~ continuation ~ continuation,
        '%F[1-3]' ~ continuation ~ continuation ~ continuation,
        '%F4%8[0-9A-F]' ~ continuation ~ continuation,
    ]) -%}
    case
        when strpos({{ expression }}, '%') = 0 then {{ expression }}
        else (
            select string_agg(
                case
                    when pieces.piece[1] ~ '^%[0-9A-Fa-f]{2}'
                        then convert_from(decode(replace(pieces.piece[1], '%', ''), 'hex'), 'UTF8')
                    else pieces.piece[1]
                end,
                '' order by pieces.position
            )
            from regexp_matches({{ expression }}, '({{ utf8_escape }}|[^%]+|%)', 'gi')
                with ordinality as pieces (piece, position)
        )
    end
{%- endmacro %}
