{#
    The landing tables as declared in models/staging/_staging__sources.yml: their source nodes,
    in the declarations' order, for models that read every landing table. Stops the build,
    naming the table and what to do, when a table lacks a declaration or when the dependency
    lists (macros/landing/landing_dependencies.sql, written from the same YAML) are stale.
    Outside execution (dbt is parsing) the list is empty: graph.sources is not filled yet.
#}
{% macro landing_tables() -%}
    {%- if not execute -%}
        {{- return([]) -}}
    {%- endif -%}
    {%- set nodes = {} -%}
    {%- for node in graph.sources.values() if node.schema == 'raw' and node.package_name == project_name -%}
        {%- do nodes.update({node.source_name ~ '.' ~ node.name: node}) -%}
        {%- for key in ['primary_key', 'record_date', 'subjects', 'changes_after_landing'] if key not in node.meta -%}
            {{- exceptions.raise_compiler_error(
                "Landing table " ~ node.source_name ~ "." ~ node.name ~ " declares no meta." ~ key
                ~ " in models/staging/_staging__sources.yml (see its header and docs/recipes.md)."
            ) -}}
        {%- endfor -%}
    {%- endfor -%}
    {%- set listed = [] -%}
    {%- for system, table in declared_landing_table_names() -%}
        {%- do listed.append(system ~ '.' ~ table) -%}
    {%- endfor -%}
    {%- if listed | sort != nodes.keys() | list | sort -%}
        {{- exceptions.raise_compiler_error(
            "macros/landing/landing_dependencies.sql lists " ~ listed | sort | join(', ')
            ~ " but the sources declare " ~ nodes.keys() | list | sort | join(', ')
            ~ ": run `privacy-warehouse declarations --write`."
        ) -}}
    {%- endif -%}
    {%- set tables = [] -%}
    {%- for name in listed -%}
        {%- do tables.append(nodes[name]) -%}
    {%- endfor -%}
    {{- return(tables) -}}
{%- endmacro %}

{#
    Registers the model's dependencies on one model per landing table, named
    <prefix><system>__<table> (e.g. 'base_', 'stg_'), while dbt parses: a model that loops over
    landing_tables() calls this first instead of keeping `-- depends_on:` lines by hand.
#}
{% macro depend_on_landing_models(prefixes) -%}
    {%- for system, table in declared_landing_table_names() -%}
        {%- for prefix in prefixes -%}
            {%- do ref(prefix ~ system ~ '__' ~ table) -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endmacro %}

{# The same for the landing tables themselves, for a model that reads the sources directly. #}
{% macro depend_on_landing_sources() -%}
    {%- for system, table in declared_landing_table_names() -%}
        {%- do source(system, table) -%}
    {%- endfor -%}
{%- endmacro %}

{# The quarantine model (staging/base) of a landing table, `system.table.column` or `system.table`. #}
{% macro landing_base_model(qualified_name) -%}
    {%- set parts = qualified_name.split('.') -%}
    {{- return('base_' ~ parts[0] ~ '__' ~ parts[1]) -}}
{%- endmacro %}
