{#
    For every landing table: rows read = rows accepted (its staging model) + rows rejected
    (compliance.rejected_rows). A row dropped in silence anywhere on the way breaks the equation;
    the test on is_reconciled says so. The tables come from the declared sources.
#}
{# A new source table must be added here too: dbt stops with an error naming it otherwise. #}
-- depends_on: {{ source('booking', 'agreements') }}
-- depends_on: {{ ref('stg_booking__agreements') }}
-- depends_on: {{ source('booking', 'customers') }}
-- depends_on: {{ ref('stg_booking__customers') }}
-- depends_on: {{ source('booking', 'invoice_lines') }}
-- depends_on: {{ ref('stg_booking__invoice_lines') }}
-- depends_on: {{ source('booking', 'invoices') }}
-- depends_on: {{ ref('stg_booking__invoices') }}
-- depends_on: {{ source('booking', 'orders') }}
-- depends_on: {{ ref('stg_booking__orders') }}
-- depends_on: {{ source('booking', 'payments') }}
-- depends_on: {{ ref('stg_booking__payments') }}
-- depends_on: {{ source('consent', 'consent_events') }}
-- depends_on: {{ ref('stg_consent__consent_events') }}
-- depends_on: {{ source('consent', 'objections') }}
-- depends_on: {{ ref('stg_consent__objections') }}
-- depends_on: {{ source('crm', 'activities') }}
-- depends_on: {{ ref('stg_crm__activities') }}
-- depends_on: {{ source('crm', 'leads') }}
-- depends_on: {{ ref('stg_crm__leads') }}
-- depends_on: {{ source('crm', 'survey_responses') }}
-- depends_on: {{ ref('stg_crm__survey_responses') }}
-- depends_on: {{ source('legal', 'legal_holds') }}
-- depends_on: {{ ref('stg_legal__legal_holds') }}
-- depends_on: {{ source('web', 'form_submissions') }}
-- depends_on: {{ ref('stg_web__form_submissions') }}
-- depends_on: {{ source('web', 'page_views') }}
-- depends_on: {{ ref('stg_web__page_views') }}
{%- set tables = [] -%}
{%- if execute -%}
    {%- for source in graph.sources.values() | selectattr('schema', 'equalto', 'raw') | sort(attribute='unique_id') -%}
        {%- do tables.append((source.source_name, source.name)) -%}
    {%- endfor -%}
{%- endif %}

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
