{#
    Every accepted landing record with the subject it is about and the day it happened: the unit
    the erasure queue and the retention forecast count. A record's subject is the customer or lead
    it names; otherwise its anonymous visitor.
#}
with customers as (
    select 'booking.customers' as source_table, customer_id as record_id, 'customer' as subject_type, customer_id as subject_id, created_on as record_on, cast(null as varchar) as invoice_id
    from {{ ref('stg_booking__customers') }}
),

agreements as (
    select 'booking.agreements', agreement_id, 'customer', customer_id, started_on, cast(null as varchar)
    from {{ ref('stg_booking__agreements') }}
),

orders as (
    select 'booking.orders', order_id, 'customer', customer_id, ordered_on, cast(null as varchar)
    from {{ ref('stg_booking__orders') }}
),

invoiced_orders as (
    select order_id, min(invoice_id) as invoice_id
    from {{ ref('stg_booking__invoice_lines') }}
    group by order_id
),

payments as (
    select 'booking.payments', payments.payment_id, 'customer', orders.customer_id, payments.paid_on, invoiced_orders.invoice_id
    from {{ ref('stg_booking__payments') }} as payments
    inner join {{ ref('stg_booking__orders') }} as orders on payments.order_id = orders.order_id
    left join invoiced_orders on payments.order_id = invoiced_orders.order_id
),

invoices as (
    select 'booking.invoices', invoice_id, 'customer', customer_id, invoiced_on, invoice_id
    from {{ ref('stg_booking__invoices') }}
),

invoice_lines as (
    select 'booking.invoice_lines', lines.invoice_line_id, 'customer', invoices.customer_id, invoices.invoiced_on, lines.invoice_id
    from {{ ref('stg_booking__invoice_lines') }} as lines
    inner join {{ ref('stg_booking__invoices') }} as invoices on lines.invoice_id = invoices.invoice_id
),

page_views as (
    select
        'web.page_views', page_view_id,
        case when customer_id is not null then 'customer' else 'visitor' end,
        coalesce(customer_id, visitor_id), viewed_on, cast(null as varchar)
    from {{ ref('stg_web__page_views') }}
),

form_submissions as (
    select
        'web.form_submissions', submission_id,
        case when customer_id is not null then 'customer' when lead_id is not null then 'lead' else 'visitor' end,
        coalesce(customer_id, lead_id, visitor_id, submission_id), submitted_on, cast(null as varchar)
    from {{ ref('stg_web__form_submissions') }}
),

leads as (
    select 'crm.leads', lead_id, 'lead', lead_id, obtained_on, cast(null as varchar)
    from {{ ref('stg_crm__leads') }}
),

activities as (
    select 'crm.activities', activity_id, subject_type, subject_id, occurred_on, cast(null as varchar)
    from {{ ref('stg_crm__activities') }}
),

survey_responses as (
    select 'crm.survey_responses', response_id, 'customer', customer_id, responded_on, cast(null as varchar)
    from {{ ref('stg_crm__survey_responses') }}
),

consent_events as (
    select 'consent.consent_events', consent_event_id, subject_type, subject_id, occurred_on, cast(null as varchar)
    from {{ ref('stg_consent__consent_events') }}
),

objections as (
    select 'consent.objections', objection_id, subject_type, subject_id, received_on, cast(null as varchar)
    from {{ ref('stg_consent__objections') }}
),

legal_holds as (
    select 'legal.legal_holds', legal_hold_id, 'customer', customer_id, opened_on, cast(null as varchar)
    from {{ ref('stg_legal__legal_holds') }}
)

select * from customers
union all select * from agreements
union all select * from orders
union all select * from payments
union all select * from invoices
union all select * from invoice_lines
union all select * from page_views
union all select * from form_submissions
union all select * from leads
union all select * from activities
union all select * from survey_responses
union all select * from consent_events
union all select * from objections
union all select * from legal_holds
