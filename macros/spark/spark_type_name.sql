{#
    A declared type in Spark's name: the project declares text as VARCHAR (as DuckDB and
    PostgreSQL name it, in contracts and seed column_types); Spark knows no VARCHAR without a
    length and calls text STRING. Every other declared type (date, timestamp, integer, bigint,
    boolean, decimal(p,s)) means the same on Spark.
#}
{% macro spark_type_name(data_type) -%}
    {{- return('string' if (data_type or '') | trim | lower == 'varchar' else data_type) -}}
{%- endmacro %}
