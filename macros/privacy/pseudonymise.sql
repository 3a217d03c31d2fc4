{#
    The keyed pseudonym of `expression` (an id; `object_type` is an SQL expression naming its type) for `purpose`: HMAC-SHA256 under
    a key derived from PSEUDONYMISATION_KEY and the purpose (src/privacy_warehouse/pseudonyms.py).
    The key is not in this SQL: on DuckDB the plugin privacy_warehouse.duckdb_plugin registers the
    function `pseudonym()` on the connection with the key inside it. The object type is part of
    the input, so a customer and an order with the same raw id never share a pseudonym.
    Call it only in models/intermediate/private: pseudonyms are computed once per object there.
#}
{% macro pseudonymise(purpose, object_type, expression) -%}
    {{ return(adapter.dispatch('pseudonymise', 'privacy_warehouse')(purpose, object_type, expression)) }}
{%- endmacro %}

{% macro duckdb__pseudonymise(purpose, object_type, expression) -%}
    pseudonym('{{ purpose }}', {{ object_type }} || ':' || cast({{ expression }} as varchar))
{%- endmacro %}

{% macro default__pseudonymise(purpose, object_type, expression) -%}
    {{ exceptions.raise_compiler_error("pseudonymise() has no implementation for " ~ target.type ~ ": add one that keeps the key out of the SQL.") }}
{%- endmacro %}
