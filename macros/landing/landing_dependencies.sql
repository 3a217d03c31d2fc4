{#
    WRITTEN by `privacy-warehouse declarations --write` from models/staging/_staging__sources.yml:
    do not edit. dbt cannot read the sources while it parses (graph is empty then), yet a model
    that reads every landing table needs their ref()s at parse time; these lists give them.
    landing_tables() stops the build if they differ from the declarations.
#}
{% macro declared_landing_table_names() -%}
    {{ return([
        ('booking', 'customers'),
        ('booking', 'agreements'),
        ('booking', 'orders'),
        ('booking', 'payments'),
        ('booking', 'invoices'),
        ('booking', 'invoice_lines'),
        ('web', 'page_views'),
        ('web', 'form_submissions'),
        ('crm', 'leads'),
        ('crm', 'activities'),
        ('crm', 'survey_responses'),
        ('consent', 'consent_events'),
        ('consent', 'objections'),
        ('legal', 'legal_holds')
    ]) }}
{%- endmacro %}

{# Landing table -> the landing tables its reference checks read. #}
{% macro declared_landing_references() -%}
    {{ return({
        'booking.customers': ['crm.leads'],
        'booking.agreements': ['booking.customers'],
        'booking.orders': ['booking.customers'],
        'booking.payments': ['booking.orders'],
        'booking.invoices': ['booking.customers'],
        'booking.invoice_lines': ['booking.invoices', 'booking.orders'],
        'web.page_views': ['booking.customers'],
        'web.form_submissions': ['booking.customers', 'crm.leads'],
        'crm.leads': [],
        'crm.activities': ['booking.customers', 'crm.leads'],
        'crm.survey_responses': ['booking.customers'],
        'consent.consent_events': ['booking.customers', 'crm.leads'],
        'consent.objections': ['booking.customers', 'crm.leads'],
        'legal.legal_holds': ['booking.customers']
    }) }}
{%- endmacro %}
