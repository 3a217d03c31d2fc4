{# Every row of crm.activities with its verdict; the rules are the contract's, read from the source meta. #}
{{ check_landing_table('crm', 'activities') }}
