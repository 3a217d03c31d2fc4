{#
    dbt's `grants` (dbt_project.yml) give SELECT on each table; a role also needs USAGE on the
    table's schema to reach it. After the run, each role named in a built model's grants gets
    USAGE on that model's schema, and on nothing else: the roles' schemas follow from the same
    grants config, so the two cannot disagree. DuckDB has no roles: nothing to do there.
#}
{% macro grant_schema_usage(results) -%}
    {{ return(adapter.dispatch('grant_schema_usage', 'privacy_warehouse')(results)) }}
{%- endmacro %}

{% macro default__grant_schema_usage(results) -%}
    select 1
{%- endmacro %}

{% macro postgres__grant_schema_usage(results) -%}
    {%- set usage = {} -%}
    {%- for result in results if result.node.resource_type in ('model', 'seed') and result.status == 'success' -%}
        {%- set roles = usage.setdefault(result.node.schema, []) -%}
        {%- for role in (result.node.config.grants or {}).get('select', []) if role not in roles -%}
            {%- do roles.append(role) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for schema_name, roles in usage.items() | sort if roles -%}
        {%- set quoted_roles = [] -%}
        {%- for role in roles | sort -%}{%- do quoted_roles.append(adapter.quote(role)) -%}{%- endfor -%}
        grant usage on schema {{ adapter.quote(schema_name) }} to {{ quoted_roles | join(', ') }};
    {% endfor -%}
    select 1
{%- endmacro %}
