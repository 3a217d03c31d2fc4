{#
    Register decision 5: an invoice is kept through December 31 of the calendar year in which its
    fiscal year ended, plus the rule's years; the fiscal year's end is the var fiscal_year_end.
    Legal holds on the customer extend it (decision 4). Every invoice the obligation covers,
    those whose customer row was rejected included (int_bookkeeping_invoices).
#}
with invoices as (

    select * from {{ ref('int_bookkeeping_invoices') }}

),

bookkeeping_rule as (

    select
        rule_id,
        years
    from {{ ref('policy_retention_rules') }}
    where rule_kind = 'bookkeeping_years_after_fiscal_year' and purpose = 'legal_obligations'

),

hold_rule as (

    select rule_id from {{ ref('policy_retention_rules') }}
    where rule_kind = 'legal_hold_extension' and purpose = 'legal_obligations'

),

holds as (

    select * from {{ ref('int_legal_holds_by_customer') }}

),

fiscal_years as (

    select
        invoices.invoice_id,
        invoices.customer_id,
        invoices.invoiced_on,
        {{ fiscal_year_ended_on('invoices.invoiced_on') }} as fiscal_year_ended_on,
        bookkeeping_rule.rule_id,
        bookkeeping_rule.years
    from invoices
    cross join bookkeeping_rule

),

final as (

    select
        fiscal_years.invoice_id,
        fiscal_years.customer_id,
        fiscal_years.invoiced_on,
        fiscal_years.fiscal_year_ended_on,
        fiscal_years.rule_id,
        {{ make_date_from_parts('extract(year from fiscal_years.fiscal_year_ended_on) + fiscal_years.years', 12, 31) }} as bookkeeping_until,
        coalesce(hold_rule.rule_id is not null and holds.has_open_legal_hold, false) as has_open_legal_hold,
        case when hold_rule.rule_id is not null then holds.last_legal_hold_closed_on end as legal_hold_closed_on
    from fiscal_years
    left join holds on fiscal_years.customer_id = holds.customer_id
    cross join (select max(rule_id) as rule_id from hold_rule) as hold_rule

)

select
    *,
    case
        when has_open_legal_hold then null
        else greatest(bookkeeping_until, coalesce(legal_hold_closed_on, bookkeeping_until))
    end as retained_until,
    has_open_legal_hold
    or {{ as_of_date() }} <= greatest(bookkeeping_until, coalesce(legal_hold_closed_on, bookkeeping_until)) as within_window
from final
