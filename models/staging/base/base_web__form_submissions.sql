{# Every row of web.form_submissions with its verdict; the rules are the contract's, read from the source meta. #}
-- depends_on: {{ ref('base_crm__leads') }}
-- depends_on: {{ ref('base_booking__customers') }}
{{ check_landing_table('web', 'form_submissions') }}
