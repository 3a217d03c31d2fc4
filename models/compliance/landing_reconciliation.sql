{#
    For every landing table: rows read = rows accepted (its staging model) + rows rejected
    (compliance.rejected_rows). A row dropped in silence anywhere on the way breaks the equation;
    the test on is_reconciled says so. The tables come from the declared sources.
#}
{%- do depend_on_landing_sources() -%}
{%- do depend_on_landing_models(['stg_']) -%}
{%- set tables = [] -%}
{%- for source in landing_tables() -%}
    {%- do tables.append((source.source_name, source.name)) -%}
{%- endfor %}

with counts as (
    {%- for system, table in tables %}
        select
            '{{ system }}.{{ table }}' as source_table,
            (select count(*) from {{ source(system, table) }}) as rows_read,
            (select count(*) from {{ ref('stg_' ~ system ~ '__' ~ table) }}) as rows_accepted
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {%- if not tables %}
    select cast(null as {{ varchar_type() }}) as source_table, 0 as rows_read, 0 as rows_accepted where false
    {%- endif %}
),

rejected as (

    select
        source_table,
        count(*) as rows_rejected
    from {{ ref('rejected_rows') }}
    group by source_table

),

final as (

    select
        counts.source_table,
        counts.rows_read,
        counts.rows_accepted,
        coalesce(rejected.rows_rejected, 0) as rows_rejected,
        counts.rows_read = counts.rows_accepted + coalesce(rejected.rows_rejected, 0) as is_reconciled
    from counts
    left join rejected on counts.source_table = rejected.source_table

)

select * from final
