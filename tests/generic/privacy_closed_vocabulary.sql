{#
    No free text: every text column of the model (other than its pseudonyms, which
    privacy_pseudonym_format holds to 64 hex characters) declares a closed vocabulary in its
    column meta, and holds no value outside it. A declaration is any of:
        closed_vocabulary:
          values: [private, business]        a fixed list
          source_values: booking.orders.service   the contract's accepted_values of a source column
          seed: reference_site_routes        a column of a seed of seeds/reference/
          column: route
          pattern: 'SE-[0-9]{1,2}'           a full-match code shape (no free text can match it)
    and a value is inside when it is in the list, in the seed or matches the pattern. Nulls are
    no text. Reports columns and counts of distinct values, never the values.
#}
{% test privacy_closed_vocabulary(model) %}
{#- Every closed vocabulary kept as a seed, referenced here so that dbt builds it before this
    test: a declaration naming another seed stops the build with an error naming it. -#}
{%- set vocabulary_seeds = {
    'reference_country_codes': ref('reference_country_codes'),
    'reference_site_routes': ref('reference_site_routes'),
} -%}
{%- if execute -%}
{%- set node = privacy_model_node(model) -%}
{%- set branches = [] -%}
{%- for column in adapter.get_columns_in_relation(model) if column.is_string() -%}
    {%- set declared = node.columns.get(column.name | lower) -%}
    {%- set meta = (declared.meta if declared else none) or {} -%}
    {%- set vocabulary = meta.get('closed_vocabulary') -%}
    {%- if meta.get('category') == 'pseudonym' -%}
    {%- elif not vocabulary -%}
        {%- do branches.append("select '" ~ column.name ~ "' as column_name, 'is text without a closed vocabulary (column meta closed_vocabulary)' as problem, 1 as distinct_values") -%}
    {%- else -%}
        {%- set inside = [] -%}
        {%- if vocabulary.get('values') -%}
            {%- do inside.append(column.name ~ " in ('" ~ vocabulary['values'] | join("', '") ~ "')") -%}
        {%- endif -%}
        {%- if vocabulary.get('source_values') -%}
            {%- set system, table, source_column = vocabulary['source_values'].split('.') -%}
            {%- set source_node = graph.sources.get('source.' ~ project_name ~ '.' ~ system ~ '.' ~ table) -%}
            {%- set accepted = ((((source_node.columns.get(source_column) if source_node else none) or {}).get('meta') or {}).get('accepted_values')) -%}
            {%- if not accepted -%}
                {{ exceptions.raise_compiler_error("privacy_closed_vocabulary: " ~ node.name ~ "." ~ column.name ~ " names " ~ vocabulary['source_values'] ~ ", which declares no accepted_values in the sources' YAML.") }}
            {%- endif -%}
            {%- do inside.append(column.name ~ " in ('" ~ accepted | join("', '") ~ "')") -%}
        {%- endif -%}
        {%- if vocabulary.get('pattern') -%}
            {%- do inside.append(matches_regex(column.name, vocabulary['pattern'])) -%}
        {%- endif -%}
        {%- if vocabulary.get('seed') -%}
            {%- if vocabulary['seed'] not in vocabulary_seeds -%}
                {{ exceptions.raise_compiler_error("privacy_closed_vocabulary: " ~ node.name ~ "." ~ column.name ~ " names the seed '" ~ vocabulary['seed'] ~ "', which is not one of " ~ (vocabulary_seeds.keys() | list) ~ ": add it to tests/generic/privacy_closed_vocabulary.sql.") }}
            {%- endif -%}
            {%- do inside.append(column.name ~ " in (select " ~ vocabulary['column'] ~ " from " ~ vocabulary_seeds[vocabulary['seed']] ~ ")") -%}
        {%- endif -%}
        {%- if not inside -%}
            {{ exceptions.raise_compiler_error("privacy_closed_vocabulary: " ~ node.name ~ "." ~ column.name ~ " declares closed_vocabulary without values, source_values, seed or pattern.") }}
        {%- endif -%}
        {%- do branches.append("select '" ~ column.name ~ "' as column_name, 'holds values outside its closed vocabulary' as problem, count(distinct " ~ column.name ~ ") as distinct_values from " ~ model ~ " where " ~ column.name ~ " is not null and not (" ~ inside | join(' or ') ~ ") having count(*) > 0") -%}
    {%- endif -%}
{%- endfor -%}
{%- if branches %}
{{ branches | join('\nunion all\n') }}
{%- else %}
select 1 as placeholder where false
{%- endif %}
{%- else -%}
select 1 as placeholder where false
{%- endif -%}
{% endtest %}
