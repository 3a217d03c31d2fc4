{#
    One row per subject and purpose that applies to it: the window, the rule and the dates that
    produced it (register decisions 1 to 4). Every number comes from seeds/policy: change a
    seed row and every window and test follows.

    The one place windows are computed, once per subject (not per record): a record inherits its
    subject's window by a join where it is used (int_record_group_windows, the access export);
    only anonymous visitors' records and invoices carry a window of their own.
    compliance.retention_deadlines shows this table to compliance.
#}
with rules as (

    select * from {{ ref('policy_retention_rules') }}

),

customers as (

    select * from {{ ref('int_customers_relationship') }}

),

leads as (

    select * from {{ ref('int_leads_converted') }}

),

visitors as (

    select * from {{ ref('int_visitors_anonymous') }}

),

holds as (

    select * from {{ ref('int_legal_holds_by_customer') }}

),

hold_rules as (

    select
        purpose,
        rule_id
    from rules where rule_kind = 'legal_hold_extension'

),

customer_windows as (

    select
        'customer' as subject_type,
        customers.customer_id as subject_id,
        rules.purpose,
        rules.rule_id,
        rules.rule_kind,
        rules.months as window_months,
        'relationship_ended_on' as anchor,
        customers.relationship_ended_on as anchor_on,
        customers.is_relationship_open as is_window_open_by_rule,
        case
            when not customers.is_relationship_open
                then {{ add_months('customers.relationship_ended_on', 'rules.months') }}
        end as rule_retention_until
    from customers
    inner join rules
        on rules.subject_type = 'customer' and rules.rule_kind = 'relationship_plus_months'

),

unconverted_lead_windows as (

    select
        'lead' as subject_type,
        leads.lead_id as subject_id,
        rules.purpose,
        rules.rule_id,
        rules.rule_kind,
        rules.months as window_months,
        'obtained_on' as anchor,
        leads.obtained_on as anchor_on,
        false as is_window_open_by_rule,
        {{ add_months('leads.obtained_on', 'rules.months') }} as rule_retention_until
    from leads
    inner join rules
        on rules.subject_type = 'lead' and rules.rule_kind = 'obtained_plus_months'
    where not leads.is_converted

),

converted_lead_windows as (

    {#- "A prospect who becomes a customer follows the customer rule." -#}
    select
        'lead' as subject_type,
        leads.lead_id as subject_id,
        customer_windows.purpose,
        customer_windows.rule_id,
        customer_windows.rule_kind,
        customer_windows.window_months,
        'converted_customer_relationship_ended_on' as anchor,
        customer_windows.anchor_on,
        customer_windows.is_window_open_by_rule,
        customer_windows.rule_retention_until
    from leads
    inner join rules
        on rules.subject_type = 'lead' and rules.rule_kind = 'obtained_plus_months'
    inner join customer_windows
        on leads.converted_customer_id = customer_windows.subject_id
            and rules.purpose = customer_windows.purpose
    where leads.is_converted

),

visitor_windows as (

    select
        'visitor' as subject_type,
        visitors.visitor_id as subject_id,
        rules.purpose,
        rules.rule_id,
        rules.rule_kind,
        rules.months as window_months,
        'last_anonymous_page_view_on' as anchor,
        visitors.last_viewed_on as anchor_on,
        false as is_window_open_by_rule,
        {{ add_months('visitors.last_viewed_on', 'rules.months') }} as rule_retention_until
    from visitors
    inner join rules
        on rules.subject_type = 'visitor' and rules.rule_kind = 'event_plus_months'

),

all_windows as (

    select * from customer_windows
    union all
    select * from unconverted_lead_windows
    union all
    select * from converted_lead_windows
    union all
    select * from visitor_windows

),

with_holds as (

    {#- Register decision 4: holds extend the purposes that have a legal_hold_extension rule. -#}
    select
        all_windows.*,
        hold_rules.rule_id as legal_hold_rule_id,
        coalesce(hold_rules.rule_id is not null and holds.has_open_legal_hold, false) as has_open_legal_hold,
        case when hold_rules.rule_id is not null then holds.last_legal_hold_closed_on end as legal_hold_closed_on
    from all_windows
    left join hold_rules on all_windows.purpose = hold_rules.purpose
    left join holds
        on all_windows.subject_type = 'customer'
            and all_windows.subject_id = holds.customer_id

),

final as (

    select
        subject_type,
        subject_id,
        purpose,
        rule_id,
        rule_kind,
        window_months,
        anchor,
        anchor_on,
        rule_retention_until,
        legal_hold_rule_id,
        has_open_legal_hold,
        legal_hold_closed_on,
        is_window_open_by_rule or has_open_legal_hold as is_window_open,
        case
            when is_window_open_by_rule or has_open_legal_hold then null
            when legal_hold_closed_on is not null then greatest(rule_retention_until, legal_hold_closed_on)
            else rule_retention_until
        end as retention_until,
        {{ as_of_date() }} as as_of
    from with_holds

)

select
    *,
    retention_until is null or as_of <= retention_until as within_window
from final
