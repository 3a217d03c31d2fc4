{# Every row of crm.activities with its verdict; the rules are the contract's, read from the source meta. #}
-- depends_on: {{ ref('base_booking__customers') }}
-- depends_on: {{ ref('base_crm__leads') }}
{{ check_landing_table('crm', 'activities') }}
