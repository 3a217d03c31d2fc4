{#
    No free text in the release: every published model (what `privacy-warehouse publish` writes:
    access public in schema bizdev unless meta.publish is false, or meta.publish true) carries
    privacy_closed_vocabulary, and each of its text columns other than pseudonyms declares a
    closed vocabulary (column meta closed_vocabulary). A new published text column cannot ship
    undeclared: this test fails naming it. The values themselves are checked by
    privacy_closed_vocabulary on the built table.
#}
{%- set problems = [] -%}
{%- set text_types = ('varchar', 'text', 'string', 'char', 'character') -%}
{%- if execute -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.package_name == project_name -%}
        {%- set publish = node.config.meta.get('publish') -%}
        {%- set access = node.access or node.config.get('access') -%}
        {%- if publish == true or (publish is none and access == 'public' and node.schema == 'bizdev') -%}
            {%- set attached = [] -%}
            {%- for test in graph.nodes.values() if test.resource_type == 'test' and test.attached_node == node.unique_id and test.test_metadata -%}
                {%- do attached.append(test.test_metadata.name) -%}
            {%- endfor -%}
            {%- if 'privacy_closed_vocabulary' not in attached -%}
                {%- do problems.append((node.name, '(model)', 'lacks the test privacy_closed_vocabulary')) -%}
            {%- endif -%}
            {%- for column in node.columns.values() -%}
                {%- set data_type = (column.data_type or '') | lower -%}
                {%- set is_text = not data_type or data_type.split('(')[0].strip() in text_types -%}
                {%- if is_text and (column.meta or {}).get('category') != 'pseudonym' and not (column.meta or {}).get('closed_vocabulary') -%}
                    {%- do problems.append((node.name, column.name, 'is published text without a closed vocabulary')) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}

{#- One row per problem, or none: written as one subquery so the query's shape never changes. -#}
{%- set rows = [] -%}
{%- for model_name, column_name, problem in problems -%}
    {%- do rows.append("select '" ~ model_name ~ "' as model_name, '" ~ column_name ~ "' as column_name, '" ~ problem ~ "' as problem") -%}
{%- endfor -%}
{%- if not rows -%}
    {%- do rows.append("select 'none' as model_name, 'none' as column_name, 'none' as problem where false") -%}
{%- endif %}

select
    model_name,
    column_name,
    problem
from (
    {{ rows | join('\n    union all\n    ') }}
) as problems
