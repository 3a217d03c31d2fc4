{#
    Stops the build when a landing file lacks a column of the contract or carries it with a type
    of another family, naming the file and the column. Types are compared by family (a file may
    hold BIGINT where the contract says INTEGER, or nanosecond timestamps): the contract's rule is
    that values can be wrong but types cannot.
#}
{% macro check_landing_files(contract_table, files, columns) -%}
    {%- set file_list = [] -%}
    {%- for file in files -%}{%- do file_list.append("'" ~ file | replace("'", "''") ~ "'") -%}{%- endfor -%}
    {%- set schema_query -%}
        select
            file_name,
            name,
            case
                when logical_type = 'NullType()' then 'null'
                when converted_type = 'UTF8' or logical_type like 'StringType%' or type = 'BYTE_ARRAY' then 'varchar'
                when converted_type = 'DATE' or logical_type like 'DateType%' then 'date'
                when logical_type like 'TimestampType%' or converted_type like 'TIMESTAMP%' or type = 'INT96' then 'timestamp'
                when converted_type = 'DECIMAL' or logical_type like 'DecimalType%' or type in ('DOUBLE', 'FLOAT') then 'decimal'
                when type in ('INT32', 'INT64') then 'integer'
                else coalesce(type, 'group')
            end as type_family
        from parquet_schema([{{ file_list | join(', ') }}])
    {%- endset -%}
    {%- set found = {} -%}
    {%- for row in run_query(schema_query).rows -%}
        {%- do found.update({row[0] ~ '|' ~ row[1]: row[2]}) -%}
    {%- endfor -%}
    {%- set accepted_families = {
        'varchar': ['varchar', 'null'],
        'date': ['date', 'null'],
        'timestamp': ['timestamp', 'null'],
        'integer': ['integer', 'null'],
        'decimal': ['decimal', 'integer', 'null'],
    } -%}
    {%- for file in files -%}
        {%- for column in columns -%}
            {%- set family = found.get(file ~ '|' ~ column.name) -%}
            {%- set expected = column.data_type.split('(')[0] | lower -%}
            {%- if family is none -%}
                {{ exceptions.raise_compiler_error(
                    "Landing zone: file " ~ file ~ " lacks column '" ~ column.name ~ "' that the contract requires for "
                    ~ contract_table ~ " (" ~ column.data_type | upper ~ ")."
                ) }}
            {%- elif family not in accepted_families[expected] -%}
                {{ exceptions.raise_compiler_error(
                    "Landing zone: file " ~ file ~ " has column '" ~ column.name ~ "' of type " ~ family | upper
                    ~ "; the contract says " ~ column.data_type | upper ~ " for " ~ contract_table ~ "."
                ) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endmacro %}
