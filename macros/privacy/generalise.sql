{#
    A value at one level of its generalisation hierarchy (var generalisation_hierarchies, as ARX
    declares them): dates to a week's Monday, a month's or quarter's or year's first day; amounts
    to the lower bound of their band, values at or above the hierarchy's `top` all in the top band
    (an outlier is a fingerprint); postal areas (`SE-11`) to regions (`SE-1`) or the country, any
    value that is no place to `unknown` (macros/privacy/place_level.sql);
    `suppressed` to null. An unknown hierarchy or level stops the build: a typo must not publish
    the exact value.
#}
{% macro generalise(expression, hierarchy, level, top=none) -%}
    {%- set sql = generalise_sql(expression, hierarchy, level, top) -%}
    {%- set spec = var('generalisation_hierarchies').get(hierarchy) or {} -%}
    {#- A closed map emits only its own constants: nothing of the value passes, nothing to fit. -#}
    {%- if level in ('exact', 'suppressed') or spec.get(level) is mapping -%}
        {{ sql }}
    {%- else -%}
        {#- The mark column lineage reads (privacy_warehouse.lineage): a declared generaliser. -#}
        ({{ sql }} /* privacy:generalise {{ hierarchy }}:{{ level }} */)
    {%- endif -%}
{%- endmacro %}

{% macro generalise_sql(expression, hierarchy, level, top=none) -%}
    {%- set hierarchies = var('generalisation_hierarchies') -%}
    {%- if hierarchy not in hierarchies -%}
        {{ exceptions.raise_compiler_error("generalise(): no hierarchy '" ~ hierarchy ~ "' in var generalisation_hierarchies") }}
    {%- endif -%}
    {%- set spec = hierarchies[hierarchy] -%}
    {%- if level not in spec.levels -%}
        {{ exceptions.raise_compiler_error("generalise(): hierarchy '" ~ hierarchy ~ "' has no level '" ~ level ~ "' (levels: " ~ spec.levels | join(', ') ~ ")") }}
    {%- endif -%}
    {%- if level == 'suppressed' -%}
        null
    {%- elif level == 'exact' -%}
        {{ expression }}
    {%- elif hierarchy == 'date' -%}
        {%- if level == 'day' -%}
            cast({{ expression }} as date)
        {%- elif level == 'month' -%}
            {{ month_start(expression) }}
        {%- else -%}
            cast(date_trunc('{{ level }}', cast({{ expression }} as date)) as date)
        {%- endif -%}
    {%- elif spec.get(level) is mapping -%}
        {#- A closed map (order_state's outcome): what is not in it is `unknown`, never passed through. -#}
        case {{ expression }}
            {%- for value, image in spec[level].items() %}
            when '{{ value }}' then '{{ image }}'
            {%- endfor %}
            else 'unknown'
        end
    {%- elif hierarchy == 'place' -%}
        {{ place_level(expression, level) }}
    {%- elif level.startswith('band_') -%}
        {%- set width = level[5:] | int -%}
        {#- Top-coding: a column's own `top` (lower than the hierarchy's) puts its outliers in one open band. -#}
        {%- set top = top if top is not none else spec.top -%}
        case
            when {{ expression }} is null then null
            when {{ expression }} >= {{ top }} then {{ top }}
            else cast(floor({{ expression }} / {{ width }}) * {{ width }} as integer)
        end
    {%- else -%}
        {{ exceptions.raise_compiler_error("generalise(): level '" ~ level ~ "' of '" ~ hierarchy ~ "' has no SQL") }}
    {%- endif -%}
{%- endmacro %}

{#
    The published columns of a row-level mart that carry a generalisation (column meta
    `privacy: {hierarchy, level, source}`), as a list of (name, privacy meta), in YAML order.
    Read from the mart's own YAML, so the level is declared once and the private model that
    computes the classes, the k-test and risk.py all read the same declaration.
#}
{% macro published_generalisations(model_name) -%}
    {%- set found = [] -%}
    {%- if execute -%}
        {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ model_name) -%}
        {%- if node is none -%}
            {{ exceptions.raise_compiler_error("published_generalisations(): no model " ~ model_name) }}
        {%- endif -%}
        {%- for name, column in node.columns.items() -%}
            {%- set privacy = (column.meta or {}).get('privacy') or {} -%}
            {%- if privacy.get('hierarchy') -%}{%- do found.append((name, privacy)) -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{- return(found) -}}
{%- endmacro %}

{# `generalise(source) as name, ...` for every generalised column of a mart (see above). #}
{% macro generalised_columns(model_name, relation_alias) -%}
    {%- for name, privacy in published_generalisations(model_name) -%}
        {{ generalise(relation_alias ~ '.' ~ privacy.get('source', name), privacy.hierarchy, privacy.level, privacy.get('top')) }} as {{ name }}
        {%- if not loop.last %},
        {% endif -%}
    {%- endfor -%}
{%- endmacro %}

{#
    Distinct people per class: each row's count of the distinct `person` values among the rows
    that share its values of `columns` (nulls equal, as a published table shows them). A window
    count(distinct) is not portable; the first row of each person per class is counted instead.
#}
{% macro people_per_class(columns, person) -%}
    {#- A count, not a sum: what the person id decides is how many, never which (lineage). -#}
    count(case when person_rank = 1 then 1 end) over (partition by {{ columns | join(', ') }})
{%- endmacro %}

{% macro person_rank(columns, person) -%}
    row_number() over (partition by {{ columns | join(', ') }}, {{ person }} order by {{ person }})
{%- endmacro %}

{# `relation.column, ...` of a mart's generalised columns, in YAML order: what the mart selects. #}
{% macro published_column_list(model_name, relation_alias) -%}
    {%- set names = [] -%}
    {%- for name, privacy in published_generalisations(model_name) -%}
        {%- do names.append(relation_alias ~ '.' ~ name) -%}
    {%- endfor -%}
    {{- names | join(', ') -}}
{%- endmacro %}
