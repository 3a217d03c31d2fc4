{#
    Every accepted landing record with the subject it is about and the day it happened: the unit
    the erasure queue and the retention forecast count. A record's subject is the customer or lead
    it names; otherwise its anonymous visitor.
#}
{%- set record_sources = [
    {'table': 'booking.customers', 'model': 'stg_booking__customers', 'id': 'customer_id',
     'subject_type': "'customer'", 'subject_id': 'customer_id', 'on': 'created_on'},
    {'table': 'booking.agreements', 'model': 'stg_booking__agreements', 'id': 'agreement_id',
     'subject_type': "'customer'", 'subject_id': 'customer_id', 'on': 'started_on'},
    {'table': 'booking.orders', 'model': 'stg_booking__orders', 'id': 'order_id',
     'subject_type': "'customer'", 'subject_id': 'customer_id', 'on': 'ordered_on'},
    {'table': 'booking.payments', 'model': 'int_payments_invoiced', 'id': 'payment_id',
     'subject_type': "'customer'", 'subject_id': 'customer_id', 'on': 'paid_on', 'invoice_id': 'invoice_id'},
    {'table': 'booking.invoices', 'model': 'stg_booking__invoices', 'id': 'invoice_id',
     'subject_type': "'customer'", 'subject_id': 'customer_id', 'on': 'invoiced_on', 'invoice_id': 'invoice_id'},
    {'table': 'booking.invoice_lines', 'model': 'int_invoice_lines_dated', 'id': 'invoice_line_id',
     'subject_type': "'customer'", 'subject_id': 'customer_id', 'on': 'invoiced_on', 'invoice_id': 'invoice_id'},
    {'table': 'web.page_views', 'model': 'stg_web__page_views', 'id': 'page_view_id',
     'subject_type': "case when customer_id is not null then 'customer' else 'visitor' end",
     'subject_id': 'coalesce(customer_id, visitor_id)', 'on': 'viewed_on'},
    {'table': 'web.form_submissions', 'model': 'stg_web__form_submissions', 'id': 'submission_id',
     'subject_type': "case when customer_id is not null then 'customer' when lead_id is not null then 'lead' else 'visitor' end",
     'subject_id': 'coalesce(customer_id, lead_id, visitor_id, submission_id)', 'on': 'submitted_on'},
    {'table': 'crm.leads', 'model': 'stg_crm__leads', 'id': 'lead_id',
     'subject_type': "'lead'", 'subject_id': 'lead_id', 'on': 'obtained_on'},
    {'table': 'crm.activities', 'model': 'stg_crm__activities', 'id': 'activity_id',
     'subject_type': 'subject_type', 'subject_id': 'subject_id', 'on': 'occurred_on'},
    {'table': 'crm.survey_responses', 'model': 'stg_crm__survey_responses', 'id': 'response_id',
     'subject_type': "'customer'", 'subject_id': 'customer_id', 'on': 'responded_on'},
    {'table': 'consent.consent_events', 'model': 'stg_consent__consent_events', 'id': 'consent_event_id',
     'subject_type': 'subject_type', 'subject_id': 'subject_id', 'on': 'occurred_on'},
    {'table': 'consent.objections', 'model': 'stg_consent__objections', 'id': 'objection_id',
     'subject_type': 'subject_type', 'subject_id': 'subject_id', 'on': 'received_on'},
    {'table': 'legal.legal_holds', 'model': 'stg_legal__legal_holds', 'id': 'legal_hold_id',
     'subject_type': "'customer'", 'subject_id': 'customer_id', 'on': 'opened_on'},
] %}

{%- for source in record_sources %}
    select
        '{{ source.table }}' as source_table,
        {{ source.id }} as record_id,
        {{ source.subject_type }} as subject_type,
        {{ source.subject_id }} as subject_id,
        {{ source.on }} as record_on,
        {{ source.get('invoice_id', 'cast(null as ' ~ varchar_type() ~ ')') }} as invoice_id
    from {{ ref(source.model) }}
    {% if not loop.last -%}
        union all
    {%- endif %}
{%- endfor %}
