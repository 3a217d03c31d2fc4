{#
    The reason a value of a validated format is rejected, or null when it is valid.
    Formats are declared in source column meta (`format:`); reason codes are explained in
    seeds/policy/policy_rejection_reasons.csv.
#}
{% macro identifier_rejection_reason(expression, format) -%}
    {%- if format == 'personnummer' -%}
        {#- YYYYMMDD-NNNN; a samordningsnummer adds 60 to the day; Luhn over YYMMDDNNN. -#}
        {%- set day = "(" ~ try_cast_integer("substr(" ~ expression ~ ", 7, 2)") ~ " - case when " ~ try_cast_integer("substr(" ~ expression ~ ", 7, 2)") ~ " > 60 then 60 else 0 end)" -%}
        case
            when not {{ matches_regex(expression, '[0-9]{8}-[0-9]{4}') }} then 'invalid_personnummer_format'
            when not {{ is_real_date(try_cast_integer("substr(" ~ expression ~ ", 1, 4)"), try_cast_integer("substr(" ~ expression ~ ", 5, 2)"), day) }}
                then 'invalid_personnummer_date'
            when substr({{ expression }}, 10, 3) = '000' then 'invalid_personnummer_birth_number'
            when not {{ luhn_is_valid("substr(" ~ expression ~ ", 3, 6) || substr(" ~ expression ~ ", 10, 4)", 10) }}
                then 'invalid_personnummer_check_digit'
        end
    {%- elif format == 'organisation_number' -%}
        case
            when not {{ matches_regex(expression, '[0-9]{6}-[0-9]{4}') }} then 'invalid_organisation_number'
            when not {{ luhn_is_valid("substr(" ~ expression ~ ", 1, 6) || substr(" ~ expression ~ ", 8, 4)", 10) }}
                then 'invalid_organisation_number'
        end
    {%- elif format == 'email' -%}
        case when not {{ matches_regex(expression, '[^@ ]+@[^@ ]+[.][^@ .]+') }} then 'invalid_email' end
    {%- elif format == 'ip_address' -%}
        case
            when not (
                {{ matches_regex(expression, '((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])[.]){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])') }}
                or {{ matches_regex(expression, '([0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}') }}
            ) then 'invalid_ip_address'
        end
    {%- else -%}
        {{ exceptions.raise_compiler_error("identifier_rejection_reason: unknown format '" ~ format ~ "'.") }}
    {%- endif -%}
{%- endmacro %}
