{# Every row of crm.survey_responses with its verdict; the rules are the contract's, read from the source meta. #}
{{ check_landing_table('crm', 'survey_responses') }}
