{# Every row of web.form_submissions with its verdict; the rules are the contract's, read from the source meta. #}
{{ check_landing_table('web', 'form_submissions') }}
