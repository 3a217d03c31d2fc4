{#
    Every landing row that breaks the contract, with its reason. Built from the quarantine
    models (staging/base), one per source table; the list of tables comes from the sources, so a
    new source table is counted here without an edit.
#}
{%- set base_models = [] -%}
{%- for source in graph.sources.values() | selectattr('schema', 'equalto', 'raw') | sort(attribute='unique_id') -%}
    {%- do base_models.append('base_' ~ source.source_name ~ '__' ~ source.name) -%}
{%- endfor %}
{# A new source table must be added here too: dbt stops with an error naming it otherwise. #}
-- depends_on: {{ ref('base_booking__agreements') }}
-- depends_on: {{ ref('base_booking__customers') }}
-- depends_on: {{ ref('base_booking__invoice_lines') }}
-- depends_on: {{ ref('base_booking__invoices') }}
-- depends_on: {{ ref('base_booking__orders') }}
-- depends_on: {{ ref('base_booking__payments') }}
-- depends_on: {{ ref('base_consent__consent_events') }}
-- depends_on: {{ ref('base_consent__objections') }}
-- depends_on: {{ ref('base_crm__activities') }}
-- depends_on: {{ ref('base_crm__leads') }}
-- depends_on: {{ ref('base_crm__survey_responses') }}
-- depends_on: {{ ref('base_legal__legal_holds') }}
-- depends_on: {{ ref('base_web__form_submissions') }}
-- depends_on: {{ ref('base_web__page_views') }}

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
