{#
    True for a quarantined row (`row`, an alias of base_<landing_table>) that was rejected for
    nothing but its reference `column`, because the parent row it names landed and was rejected.
    References are the last rule checked, against the *accepted* rows of the parent's table
    (macros/landing/check_landing_table.sql), so such a row passed every rule of its own: what
    the bookkeeping obligation keeps (docs/decisions-bookkeeping.md).

    The parent is the one the column declares (`references` in the sources' YAML); its quarantine
    model is ref()'d while dbt parses from the written list declared_landing_references().
    One predicate for every int_bookkeeping_* model.
#}
{% macro rejected_only_because_of_a_parent(row, landing_table, column) -%}
    {%- set parents = {} -%}
    {%- for parent in declared_landing_references().get(landing_table, []) -%}
        {%- do parents.update({parent: ref(landing_base_model(parent))}) -%}
    {%- endfor -%}
    {%- if execute -%}
        {%- set names = landing_table.split('.') -%}
        {%- set node = graph.sources['source.' ~ project_name ~ '.' ~ names[0] ~ '.' ~ names[1]] -%}
        {%- set reference = node.columns[column].meta.get('references') if column in node.columns else none -%}
        {%- if reference is not string -%}
            {{ exceptions.raise_compiler_error(
                "rejected_only_because_of_a_parent: " ~ landing_table ~ "." ~ column
                ~ " declares no single `references` (models/staging/_staging__sources.yml)."
            ) }}
        {%- endif -%}
        {%- set parent_table = reference.rsplit('.', 1)[0] -%}
        {%- set parent_column = reference.rsplit('.', 1)[1] -%}
        {%- set parent_relation = parents[parent_table] -%}
    {%- else -%}
        {%- set parent_column, parent_relation = column, (parents.values() | list)[0] -%}
    {%- endif -%}
    (
        {{ row }}.rejection_reason = 'unknown_reference'
        and {{ row }}.rejected_column = '{{ column }}'
        and {{ row }}.{{ column }} in (
            select parent_rows.{{ parent_column }}
            from {{ parent_relation }} as parent_rows
            where parent_rows.rejection_reason is not null
        )
    )
{%- endmacro %}
