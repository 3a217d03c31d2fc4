{#
    Every row of one landing table with its verdict: `rejection_reason` (null = accepted) and
    `rejected_column`. The rules come from the contract as declared in the source's column meta
    (see models/staging/_staging__sources.yml), so a new rule is a line of YAML, not SQL.

    The first failing rule names the reason. References are checked against the *accepted* rows
    of the referenced table, so a row pointing at a rejected parent is rejected too (its parent is
    not in the warehouse); their quarantine models are this model's parents, registered while dbt
    parses from macros/landing/landing_dependencies.sql (written from the declarations).
#}
{% macro check_landing_table(source_name, table_name) -%}
    {{- config(**landing_model_config()) -}}
    {%- set relation = source(source_name, table_name) -%}
    {%- for parent in declared_landing_references().get(source_name ~ '.' ~ table_name, []) -%}
        {%- do ref(landing_base_model(parent)) -%}
    {%- endfor -%}
    {%- if not execute -%}
        select * from {{ relation }}
        {{- return('') -}}
    {%- endif -%}
    {%- set node = graph.sources['source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name] -%}
    {%- set columns = node.columns.values() | list -%}
    {%- set column_names = columns | map(attribute='name') | list -%}
    {%- set primary_key = node.meta.primary_key -%}
    {#- The record date, when it is the row's own column, is the row's time: after as_of the row
        did not exist yet. -#}
    {%- set own_time = node.meta.record_date if node.meta.record_date is string else none -%}
    {%- set type_columns = {} -%}
    {%- for subject in node.meta.subjects if subject.type_column -%}
        {%- do type_columns.update({subject.column: subject.type_column}) -%}
    {%- endfor -%}
    {%- set checks = [] -%}
    {%- set joins = [] -%}

    {#- 1. Identity: a missing id, an exact copy, two different rows under one id. -#}
    {%- for key in primary_key -%}
        {%- do checks.append({'when': key ~ ' is null', 'reason': 'missing_required_value', 'column': key}) -%}
    {%- endfor -%}
    {%- do checks.append({'when': 'copy_number > 1', 'reason': 'duplicate_row', 'column': primary_key | join(',')}) -%}
    {%- do checks.append({'when': 'rows_with_id > identical_rows', 'reason': 'conflicting_duplicate_id', 'column': primary_key | join(',')}) -%}

    {#- 2. Row-local rules from the column meta, in the contract's column order. -#}
    {%- for column in columns -%}
        {%- set meta = column.meta -%}
        {%- set name = column.name -%}
        {%- if meta.get('required') -%}
            {%- set blank = " or trim(" ~ name ~ ") = ''" if column.data_type == 'varchar' else '' -%}
            {%- do checks.append({'when': name ~ ' is null' ~ blank, 'reason': 'missing_required_value', 'column': name}) -%}
        {%- endif -%}
        {%- if meta.get('accepted_values') -%}
            {#- Case and surrounding spaces: one rule for every table, in enum_rejection_reason. -#}
            {%- do checks.append({'reason_expression': enum_rejection_reason(name, meta.accepted_values), 'column': name}) -%}
        {%- endif -%}
        {%- if name == own_time -%}
            {%- do checks.append({'when': 'cast(' ~ name ~ ' as date) > ' ~ as_of_date(), 'reason': 'timestamp_after_as_of', 'column': name}) -%}
        {%- endif -%}
        {%- if meta.get('format') -%}
            {%- do checks.append({'reason_expression': identifier_rejection_reason(name, meta.format), 'column': name}) -%}
        {%- endif -%}
        {%- if meta.get('non_negative') -%}
            {%- do checks.append({'when': name ~ ' < 0', 'reason': 'negative_amount', 'column': name}) -%}
        {%- endif -%}
        {%- if meta.get('min_value') is not none and meta.get('max_value') is not none -%}
            {%- do checks.append({'when': name ~ ' not between ' ~ meta.min_value ~ ' and ' ~ meta.max_value, 'reason': 'out_of_range', 'column': name}) -%}
        {%- endif -%}
        {%- if meta.get('vocabulary') -%}
            {#- A closed list held in a seed (the base model declares it with -- depends_on). -#}
            {%- set alias = 'vocabulary_' ~ name -%}
            {%- do joins.append('left join (select ' ~ meta.vocabulary.column ~ ' as vocabulary_value from ' ~ ref(meta.vocabulary.seed) ~ ') as ' ~ alias ~ ' on counted.' ~ name ~ ' = ' ~ alias ~ '.vocabulary_value') -%}
            {%- do checks.append({'when': 'counted.' ~ name ~ ' is not null and ' ~ alias ~ '.vocabulary_value is null', 'reason': meta.vocabulary.reason, 'column': name}) -%}
        {%- endif -%}
        {%- if meta.get('not_before') -%}
            {%- do checks.append({'when': name ~ ' < ' ~ meta.not_before, 'reason': meta.not_before_reason, 'column': name}) -%}
        {%- endif -%}
    {%- endfor -%}

    {#- 3. References to accepted rows of other tables. -#}
    {%- for column in columns -%}
        {%- set name = column.name -%}
        {%- if column.meta.get('references') is string -%}
            {%- set target = column.meta.references.split('.') -%}
            {%- set alias = 'reference_' ~ name -%}
            {%- do joins.append('left join (select ' ~ target[2] ~ ' as referenced_id from ' ~ ref('base_' ~ target[0] ~ '__' ~ target[1]) ~ ' where rejection_reason is null) as ' ~ alias ~ ' on counted.' ~ name ~ ' = ' ~ alias ~ '.referenced_id') -%}
            {%- do checks.append({'when': 'counted.' ~ name ~ ' is not null and ' ~ alias ~ '.referenced_id is null', 'reason': 'unknown_reference', 'column': name}) -%}
        {%- elif column.meta.get('references') -%}
            {#- A column holding several subject types (meta.subjects: type_column) points at the
                table of the type its row names. -#}
            {%- set misses = [] -%}
            {%- for subject_type, target in column.meta.references.items() | sort -%}
                {%- set parts = target.split('.') -%}
                {%- set alias = 'reference_' ~ name ~ '_' ~ subject_type -%}
                {%- do joins.append('left join (select ' ~ parts[2] ~ ' as referenced_id from ' ~ ref('base_' ~ parts[0] ~ '__' ~ parts[1]) ~ " where rejection_reason is null) as " ~ alias ~ " on counted." ~ type_columns[name] ~ " = '" ~ subject_type ~ "' and counted." ~ name ~ ' = ' ~ alias ~ '.referenced_id') -%}
                {%- do misses.append(alias ~ '.referenced_id is null') -%}
            {%- endfor -%}
            {%- do checks.append({'when': 'counted.' ~ name ~ ' is not null and ' ~ misses | join(' and '), 'reason': 'unknown_reference', 'column': name}) -%}
        {%- endif -%}
    {%- endfor -%}

    {%- if is_incremental() -%}
        {#- Files are immutable once landed: a file judged before that is gone, or holds another
            number of rows, would leave its old rows here (an erased or corrected extract). Stop,
            naming the files (names only, never a value) and the way out. -#}
        {%- set changed_files = run_query(
            "select judged.landed_file from (select landed_file, count(*) as landed_rows from " ~ this
            ~ " group by landed_file) as judged left join (select landed_file, count(*) as landed_rows from "
            ~ relation ~ " group by landed_file) as landed on landed.landed_file = judged.landed_file"
            ~ " where landed.landed_rows is distinct from judged.landed_rows order by 1 limit 5"
        ).columns[0].values() -%}
        {%- if changed_files | length > 0 -%}
            {{- exceptions.raise_compiler_error(
                "Landing zone: " ~ source_name ~ "." ~ table_name ~ " file(s) " ~ changed_files | join(', ')
                ~ " were judged by an earlier build but are now gone or hold another number of rows."
                ~ " Landed files are immutable; to take in a changed extract, rebuild with"
                ~ " `dbt build --full-refresh`."
            ) -}}
        {%- endif -%}
    {%- endif -%}
    {%- set record_id_sql = primary_key[0] if primary_key | length == 1
        else "concat_ws(':', " ~ primary_key | join(', ') ~ ")" -%}

with
{%- if is_incremental() %}
{#- Incremental (DuckDB, landing_model_config): judge the files not judged yet, and re-judge
    only the old rows whose verdict they, or a moved as_of, can change (docs/architecture.md).
    A verdict depends on the row's own values, on the other rows of its id, on its parents'
    acceptance and, for a row timestamped after as_of, on as_of; nothing else. #}

judged_files as (

    select distinct landed_file from {{ this }}

),

new_rows as (

    select
        {% for name in column_names %}{{ name }},
        {% endfor -%}
        landed_file
    from {{ relation }}
    where landed_file not in (select judged_files.landed_file from judged_files)

),

{#- The ids whose rows are read again and judged again. Every row of such an id is re-read, so
    the identity checks see them all and delete+insert replaces the id's rows as a whole.
    The same sets are models of their own, to be counted and tested:
    quarantine.landing_repeated_ids and quarantine.landing_late_parents. #}
rejudged_ids as (

    {#- The new rows' ids: a new row whose id an old row has re-judges the old row. #}
    select {{ record_id_sql }} as record_id from new_rows
    {%- for column in columns if column.meta.get('references') %}
        {%- set targets = [column.meta.references] if column.meta.references is string
            else column.meta.references.values() | list | sort %}
        {%- for target in targets %}
            {%- set parts = target.split('.') %}
    union
    {#- A parent accepted in this build (a late parent) or no longer accepted (its id repeated):
        the rows that point at it and whose verdict the reference decided or can decide. #}
    select judged.record_id
    from {{ this }} as judged
    where
        judged.{{ column.name }} in (
            select parent.{{ parts[2] }}
            from {{ ref('base_' ~ parts[0] ~ '__' ~ parts[1]) }} as parent
            where parent.rejection_reason is null
        )
        and judged.rejection_reason = 'unknown_reference'
        and judged.rejected_column = '{{ column.name }}'
    union
    select judged.record_id
    from {{ this }} as judged
    where
        judged.{{ column.name }} in (
            select parent.{{ parts[2] }}
            from {{ ref('base_' ~ parts[0] ~ '__' ~ parts[1]) }} as parent
            where parent.rejection_reason is not null
        )
        and (judged.rejection_reason is null or judged.rejection_reason = 'unknown_reference')
        {%- endfor %}
    {%- endfor %}
    {%- if own_time %}
    union
    {#- as_of moved: a row timestamped after it is accepted once as_of reaches it, and a row
        accepted under a later as_of is rejected under an earlier one. #}
    select judged.record_id
    from {{ this }} as judged
    where
        judged.rejection_reason = 'timestamp_after_as_of'
        or cast(judged.{{ own_time }} as date) > {{ as_of_date() }}
    {%- endif %}

),

source_rows as (

    select * from new_rows
    union all
    select
        {% for name in column_names %}judged.{{ name }},
        {% endfor -%}
        judged.landed_file
    from {{ this }} as judged
    where judged.record_id in (select rejudged_ids.record_id from rejudged_ids)

),
{%- else %}

source_rows as (

    select
        {% for name in column_names %}{{ name }},
        {% endfor -%}
        {{ landed_file_column() }} as landed_file
    from {{ relation }}

),
{%- endif %}

{#- Ids that occur more than once, counted by an aggregate (which spills to disk) rather than a
    window over every row and column (which holds them all: the largest table ran out of memory). #}
repeated_ids as (

    select
        {{ primary_key | join(', ') }},
        count(*) as rows_with_id
    from source_rows
    group by {{ primary_key | join(', ') }}
    having count(*) > 1

),

with_id_counts as (

    select
        source_rows.*,
        coalesce(repeated_ids.rows_with_id, 1) as rows_with_id
    from source_rows
    left join repeated_ids
        on {% for key in primary_key %}source_rows.{{ key }} = repeated_ids.{{ key }}{% if not loop.last %} and {% endif %}{% endfor %}

),

{#- Two copies of a row share its id, so only rows whose id repeats need the comparison of
    every column: that keeps the wide (all-column) window off the millions of unique rows. #}
counted as (

    select
        *,
        1 as identical_rows,
        1 as copy_number
    from with_id_counts
    where rows_with_id = 1
    union all
    select
        *,
        count(*) over (partition by {{ column_names | join(', ') }}) as identical_rows,
        {#- The first landed copy is the one kept: by file name, the same in every build. #}
        row_number() over (partition by {{ column_names | join(', ') }} order by landed_file, {{ primary_key | join(', ') }}) as copy_number
    from with_id_counts
    where rows_with_id > 1

),

{#- Each rule is evaluated once per row: the first that fails gives `reason|column`. coalesce()
    stops at the first non-null, so the costly format checks (regular expressions) run only for
    rows every earlier rule accepted. #}
judged as (

    select
        {% for name in column_names %}counted.{{ name }},
        {% endfor -%}
        counted.landed_file,
        '{{ source_name }}.{{ table_name }}' as source_table,
        {%- if primary_key | length == 1 %}
        counted.{{ primary_key[0] }} as record_id,
        {%- else %}
        concat_ws(':', {% for key in primary_key %}counted.{{ key }}{% if not loop.last %}, {% endif %}{% endfor %}) as record_id,
        {%- endif %}
        coalesce(
            {%- for check in checks %}
            {%- if check.reason_expression %}
            case when {{ check.column }} is not null then ({{ check.reason_expression }}) || '|{{ check.column }}' end
            {%- else %}
            case when {{ check.when }} then '{{ check.reason }}|{{ check.column }}' end
            {%- endif %}{% if not loop.last %},{% endif %}
            {%- endfor %}
        ) as verdict
    from counted
    {% for join in joins -%}
    {{ join }}
    {% endfor %}
),

checked as (

    select
        {% for name in column_names %}{{ name }},
        {% endfor -%}
        landed_file,
        source_table,
        record_id,
        nullif(split_part(verdict, '|', 1), '') as rejection_reason,
        nullif(split_part(verdict, '|', 2), '') as rejected_column
    from judged

)

select * from checked
{%- endmacro %}
