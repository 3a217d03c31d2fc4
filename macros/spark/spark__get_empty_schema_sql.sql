{#
    dbt checks an enforced contract by casting null to each declared data_type: on Spark, with
    the declared type in Spark's name (spark_type_name). Overrides dbt-spark's implementation
    (the root project's macros come first in dispatch); DuckDB and PostgreSQL are untouched.
#}
{% macro spark__get_empty_schema_sql(columns) -%}
    {%- set spark_columns = {} -%}
    {%- for name, column in columns.items() -%}
        {%- set spark_column = column.copy() -%}
        {%- do spark_column.update({'data_type': spark_type_name(column.get('data_type'))}) if column.get('data_type') -%}
        {%- do spark_columns.update({name: spark_column}) -%}
    {%- endfor -%}
    {{ return(default__get_empty_schema_sql(spark_columns)) }}
{%- endmacro %}
