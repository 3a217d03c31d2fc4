{#
    Every landing row that breaks the contract, with its reason. Built from the quarantine
    models (staging/base), one per source table; the list of tables comes from the sources, so a
    new source table is counted here without an edit. A rejected rights row of a known subject
    is honoured all the same in its most protective reading (rights fail closed,
    docs/decisions-enums.md): `is_honoured_fail_closed` and `honoured_as` say so, per record id.
    A bookkeeping record rejected only because its parent was is kept in legal.* all the same
    (docs/decisions-bookkeeping.md): `is_kept_for_legal_obligation`.
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

{# One row per rejected rights record honoured; rows without an id share the key ''. #}
honoured as (

    select
        source_table,
        coalesce(record_id, '') as record_key,
        {{ ordered_string_agg('honoured_as', '; ', is_distinct=true) }} as honoured_as
    from (
        select
            source_table,
            record_id,
            honoured_as
        from {{ ref('int_objections_fail_closed') }}
        union all
        select
            source_table,
            record_id,
            honoured_as
        from {{ ref('int_consent_withdrawals_fail_closed') }}
    ) as honoured_rows
    group by source_table, coalesce(record_id, '')

),

{# Bookkeeping records kept in legal.* although rejected (their parent row was rejected). #}
kept as (

    select
        'booking.invoices' as source_table,
        invoice_id as record_id
    from {{ ref('int_bookkeeping_invoices') }}
    where customer_row_rejected
    union all
    select
        'booking.invoice_lines' as source_table,
        invoice_line_id as record_id
    from {{ ref('int_bookkeeping_invoice_lines') }}
    where parent_row_rejected
    union all
    select
        'booking.payments' as source_table,
        payment_id as record_id
    from {{ ref('int_bookkeeping_payments') }}
    where parent_row_rejected
    union all
    select
        'legal.legal_holds' as source_table,
        legal_hold_id as record_id
    from {{ ref('int_bookkeeping_legal_holds') }}
    where customer_row_rejected

),

final as (

    select
        rejected.source_table,
        rejected.record_id,
        rejected.reason,
        rejected.rejected_column,
        reasons.description as reason_description,
        honoured.honoured_as is not null as is_honoured_fail_closed,
        honoured.honoured_as,
        kept.record_id is not null as is_kept_for_legal_obligation,
        {{ as_of_date() }} as as_of
    from rejected
    left join {{ ref('policy_rejection_reasons') }} as reasons
        on rejected.reason = reasons.reason
    left join honoured
        on rejected.source_table = honoured.source_table
            and coalesce(rejected.record_id, '') = honoured.record_key
    left join kept
        on rejected.source_table = kept.source_table
            and rejected.record_id = kept.record_id

)

select * from final
