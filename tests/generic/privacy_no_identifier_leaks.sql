{#
    No value of any column equals a raw identifier of the landing zone (every source column with
    meta.direct_identifier) or its unkeyed MD5/SHA-1/SHA-256; no text value contains a raw
    identifier of 6 or more characters; and no text value has the shape of a personnummer,
    e-mail, phone or IP address. Reports columns and counts, never the values.
    The identifier values and their hashes' prefixes are computed once, in private.leak_scan_values.

    Text is read as an attacker would write it: as stored and URL-decoded (`%40`, `%0A`), with
    line breaks read as spaces (`.` of a regular expression stops at a newline), lower-cased for
    the identifier search. The shapes (var personal_data_shapes) know the written disguises.
    Pseudonym columns are left to their format test (64 hex characters hold no name or number)
    and to the whole-value and hash checks: searching inside them would cost a row per character.
#}
{% test privacy_no_identifier_leaks(model) %}
{%- set scan_values = ref('leak_scan_values') -%}
{%- if execute -%}
{%- set node = privacy_model_node(model) -%}
{%- set relation_columns = adapter.get_columns_in_relation(model) -%}
{#- The model's values as (column_name, value) rows, written out as a subquery in each branch
    below rather than one CTE: a CTE read by several branches is materialised in memory, and at
    scale 10 that ran out of memory under 2 GB; each branch re-reads the table instead (cheap).
    Hashes can only be text; the shape checks skip pseudonym columns (hex by construction). -#}
{%- set column_sets = {'all': [], 'text': [], 'shaped': []} -%}
{%- for column in relation_columns -%}
    {%- do column_sets['all'].append(column.name) -%}
    {%- if column.is_string() -%}
        {%- do column_sets['text'].append(column.name) -%}
        {%- if ((node.columns.get(column.name | lower) or {}).get('meta') or {}).get('category', '') != 'pseudonym' -%}
            {%- do column_sets['shaped'].append(column.name) -%}
        {%- endif -%}
    {%- endif -%}
{%- endfor -%}
{%- set values_of = {} -%}
{%- for set_name, column_names in column_sets.items() -%}
    {%- set branches = [] -%}
    {%- for name in column_names -%}
        {%- do branches.append("select '" ~ name ~ "' as column_name, cast(" ~ name ~ " as " ~ varchar_type() ~ ") as value from " ~ model ~ " where " ~ name ~ " is not null") -%}
    {%- endfor -%}
    {%- if not branches -%}
        {%- do branches.append("select cast(null as " ~ varchar_type() ~ ") as column_name, cast(null as " ~ varchar_type() ~ ") as value where 1 = 0") -%}
    {%- endif -%}
    {%- do values_of.update({set_name: branches | join(' union all ')}) -%}
{%- endfor %}

{#- Raw values shorter than 6 characters (card_last4) would match ordinary numbers: only their
    hashes count. A hash is found by its 12-digit prefix and confirmed by the whole hash. #}
with identifier_matches as (
    select model_values.column_name, 'equals a raw identifier (raw value of ' || scan_values.identifier_source || ')' as leak
    from ({{ values_of['all'] }}) as model_values
    inner join {{ scan_values }} as scan_values on model_values.value = scan_values.identifier_value
    where length(scan_values.identifier_value) >= 6
    {%- for algorithm, hex_digits in [('md5', 32), ('sha1', 40), ('sha256', 64)] %}
    union all
    select model_values.column_name, 'equals a raw identifier (unkeyed {{ algorithm }} of ' || scan_values.identifier_source || ')' as leak
    from ({{ values_of['text'] }}) as model_values
    inner join {{ scan_values }} as scan_values on left(model_values.value, 12) = scan_values.{{ algorithm }}_prefix
    {#- position(...) = 1 on equal lengths is equality, but not one the optimiser turns into a
        join key: as a key it would hash every identifier of the landing zone on each run. #}
    where length(model_values.value) = {{ hex_digits }}
        and position(model_values.value in {{ unkeyed_hash(algorithm, 'scan_values.identifier_value') }}) = 1
    {%- endfor %}
),

{#- Each distinct text value once: the searches below cost per value and per character. #}
distinct_texts as (
    select distinct column_name, value
    from ({{ values_of['shaped'] }}) as model_values
),

texts as (
    select column_name, replace(value, chr(10), ' ') as text
    from distinct_texts
    union
    select column_name, replace({{ url_decoded('value') }}, chr(10), ' ') as text
    from distinct_texts
),

shape_matches as (
    {%- for shape, pattern in var('personal_data_shapes').items() %}
    select texts.column_name, 'has the shape of {{ shape }}' as leak
    from texts
    where {{ matches_regex('texts.text', pattern) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

{#- A raw identifier inside a longer text: every 6-character window of a text is a candidate key
    for the identifiers that begin with it, and the identifier is then looked for in the whole
    text. A join on the windows, not a `contains` of every identifier in every value: the windows
    are few (published text is a closed vocabulary), the identifiers many. A text longer than the
    windows reach is reported as such rather than passed unread. #}
digits as (
    {%- for digit in range(10) %}
    select {{ digit }} as digit{% if not loop.last %} union all{% endif %}
    {%- endfor %}
),

window_starts as (
    select thousands.digit * 1000 + hundreds.digit * 100 + tens.digit * 10 + ones.digit + 1 as window_start
    from digits as thousands
    cross join digits as hundreds
    cross join digits as tens
    cross join digits as ones
),

lowered_texts as (
    select distinct column_name, lower(text) as text
    from texts
),

text_windows as (
    select
        lowered_texts.column_name,
        lowered_texts.text,
        substr(lowered_texts.text, window_starts.window_start, 6) as text_window
    from lowered_texts
    inner join window_starts on window_starts.window_start <= length(lowered_texts.text) - 5
),

{#- The identifiers a window could begin: a semi-join, so the identifiers are streamed past the
    few windows rather than held in a hash table (the scale-10 memory limit). #}
candidate_identifiers as (
    select
        lower(scan_values.identifier_value) as identifier_text,
        scan_values.identifier_source
    from {{ scan_values }} as scan_values
    where
        length(scan_values.identifier_value) >= 6
        and lower(substr(scan_values.identifier_value, 1, 6)) in (select text_window from text_windows)
),

substring_matches as (
    select distinct
        text_windows.column_name,
        text_windows.text,
        'contains a raw identifier (raw value of ' || candidate_identifiers.identifier_source || ')' as leak
    from text_windows
    inner join candidate_identifiers
        on text_windows.text_window = substr(candidate_identifiers.identifier_text, 1, 6)
    where position(candidate_identifiers.identifier_text in text_windows.text) > 0
),

unread_texts as (
    select column_name, 'is longer than the 10,005 characters the identifier search reads' as leak
    from lowered_texts
    where length(text) > 10005
)

select column_name, leak, count(*) as leaking_values
from (
    select * from identifier_matches
    union all
    select * from shape_matches
    union all
    select column_name, leak from substring_matches
    union all
    select * from unread_texts
) as leaks
group by column_name, leak
{%- else -%}
select 1 as placeholder where false
{%- endif -%}
{% endtest %}
