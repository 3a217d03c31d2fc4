{#
    Every landing row that breaks the contract, with its reason. Built from the quarantine
    models (staging/base), one per source table; the list of tables comes from the sources, so a
    new source table is counted here without an edit.
#}
{%- do depend_on_landing_models(['base_']) -%}
{%- set base_models = [] -%}
{%- for source in landing_tables() -%}
    {%- do base_models.append('base_' ~ source.source_name ~ '__' ~ source.name) -%}
{%- endfor %}

with rejected as (
    {%- for model_name in base_models %}
        select
            source_table,
            record_id,
            rejection_reason as reason,
            rejected_column
        from {{ ref(model_name) }}
        where rejection_reason is not null
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

final as (

    select
        rejected.source_table,
        rejected.record_id,
        rejected.reason,
        rejected.rejected_column,
        reasons.description as reason_description,
        {{ as_of_date() }} as as_of
    from rejected
    left join {{ ref('policy_rejection_reasons') }} as reasons
        on rejected.reason = reasons.reason

)

select * from final
