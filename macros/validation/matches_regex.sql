{# True when the whole of `expression` matches `pattern` (POSIX-compatible classes only). #}
{% macro matches_regex(expression, pattern) -%}
    {{ return(adapter.dispatch('matches_regex', 'privacy_warehouse')(expression, pattern)) }}
{%- endmacro %}

{% macro default__matches_regex(expression, pattern) -%}
    ({{ expression }} ~ '^(?:{{ pattern }})$')
{%- endmacro %}

{% macro duckdb__matches_regex(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{#
    PostgreSQL's `~` finds a match anywhere: anchor it. DuckDB (RE2) lets `.` match anything but a
    newline while a negated class ([^@ ]) matches one too; PostgreSQL's `.` matches a newline, so
    each `.` outside a bracket expression becomes [^\n]. The same text then matches on both.
#}
{% macro postgres__matches_regex(expression, pattern) -%}
    {%- set parts = modules.re.split('(\\[\\^?\\]?[^\\]]*\\]|\\\\.)', pattern) -%}
    {%- set rewritten = [] -%}
    {%- for part in parts -%}
        {%- do rewritten.append(part if loop.index0 % 2 == 1 else part | replace('.', '[^\\n]')) -%}
    {%- endfor -%}
    ({{ expression }} ~ '^(?:{{ rewritten | join('') }})$')
{%- endmacro %}

{#
    Spark's rlike (java.util.regex) finds a match anywhere: anchor it. `$` would also match before
    a final line break, so the end is \z; (?d) makes `\n` the only line terminator, so `.` matches
    what it matches on DuckDB (RE2): anything but a newline. Backslashes (`\z`, and a pattern's
    escapes such as `\[`) are doubled for Spark's string literal, which reads `\[` as `[`.
#}
{% macro spark__matches_regex(expression, pattern) -%}
    ({{ expression }} rlike '(?d)^(?:{{ pattern | replace('\\', '\\\\') }})\\z')
{%- endmacro %}
