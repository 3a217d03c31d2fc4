{#
    dbt-spark's seed rows, with two changes. Each value is cast to the seed's column_types in
    Spark's names (spark_type_name). And values are written as escaped literals instead of
    bindings: dbt-spark 1.11's session method pastes a binding between quotes unescaped, so a
    policy text with an apostrophe ("customer's") breaks the statement, and a null becomes 'None'.
#}
{% macro spark__load_csv_rows(model, agate_table) %}

  {% set batch_size = get_batch_size() %}
  {% set column_override = model['config'].get('column_types', {}) %}

  {% set statements = [] %}

  {% for chunk in agate_table.rows | batch(batch_size) %}
      {% set sql %}
          insert into {{ this.render() }} values
          {% for row in chunk -%}
              ({%- for col_name in agate_table.column_names -%}
                  {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                  {%- set type = spark_type_name(column_override.get(col_name, inferred_type)) -%}
                  {%- set value = row[loop.index0] -%}
                  {%- if value is none -%}
                    {%- set literal = 'null' -%}
                  {%- elif value is boolean -%}
                    {%- set literal = 'true' if value else 'false' -%}
                  {%- elif value is number -%}
                    {%- set literal = value | string -%}
                  {%- else -%}
                    {%- set literal = "'" ~ (value | string | replace('\\', '\\\\') | replace("'", "\\'")) ~ "'" -%}
                  {%- endif -%}
                    cast({{ literal }} as {{ type }})
                  {%- if not loop.last %},{% endif %}
              {%- endfor -%})
              {%- if not loop.last %},{% endif %}
          {%- endfor %}
      {% endset %}

      {% do adapter.add_query(sql, abridge_sql_log=True) %}

      {% if loop.index0 == 0 %}
          {% do statements.append(sql) %}
      {% endif %}
  {% endfor %}

  {# Return SQL so we can render it out into the compiled files #}
  {{ return(statements[0]) }}
{% endmacro %}
