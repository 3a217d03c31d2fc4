{#
    What k-anonymity and l-diversity cost, per published row-level table: the candidate rows
    (before suppression), the rows kept by local recoding or by blanking a column
    (macros/privacy/k_anonymous_classes.sql), the rows suppressed because their class still
    described fewer than k people or fewer than l values of a sensitive column, and
    the people left out entirely. A customer suppressed from dim_customers is left out of the
    facts too (int_bizdev_orders_exact, int_bizdev_sessions_exact): those rows are not
    candidates of the facts, and are counted once, under dim_customers. No subject ids.
#}
{%- set classed_models = {
    'bizdev.dim_customers': 'int_bizdev_customers_classed',
    'bizdev.fct_orders': 'int_bizdev_orders_classed',
    'bizdev.fct_web_sessions': 'int_bizdev_sessions_classed',
} %}

with published_tables as (
    {%- for model_name in classed_models | sort %}
        select '{{ model_name }}' as model_name
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

candidates as (
    {%- for model_name, classed_model in classed_models | dictsort %}
        select
            '{{ model_name }}' as model_name,
            person_id,
            class_people,
            protection_step,
            is_suppressed
        from {{ ref(classed_model) }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

per_table as (

    select
        model_name,
        count(*) as candidate_rows,
        sum(case when is_suppressed then 1 else 0 end) as suppressed_rows,
        sum(case when protection_step = 'recoded' then 1 else 0 end) as recoded_rows,
        sum(case when protection_step like 'blanked_%' then 1 else 0 end) as blanked_rows,
        count(distinct person_id) as candidate_people,
        count(distinct case when not is_suppressed then person_id end) as published_people,
        min(class_people) as smallest_class_before
    from candidates
    group by model_name

),

final as (

    select
        published_tables.model_name,
        {{ var('k_anonymity') }} as k,
        cast(coalesce(per_table.candidate_rows, 0) as bigint) as candidate_rows,
        cast(coalesce(per_table.suppressed_rows, 0) as bigint) as suppressed_rows,
        cast(coalesce(per_table.recoded_rows, 0) as bigint) as recoded_rows,
        cast(coalesce(per_table.blanked_rows, 0) as bigint) as blanked_rows,
        {{ double_to_decimal(divide_double('100.0 * per_table.suppressed_rows', 'nullif(per_table.candidate_rows, 0)'), 6, 2) }} as suppressed_percent,
        cast(coalesce(per_table.candidate_people, 0) as bigint) as candidate_people,
        cast(coalesce(per_table.candidate_people - per_table.published_people, 0) as bigint) as people_left_out,
        cast(per_table.smallest_class_before as bigint) as smallest_class_before,
        {{ as_of_date() }} as as_of
    from published_tables
    left join per_table on published_tables.model_name = per_table.model_name

)

select * from final
