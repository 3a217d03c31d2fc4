{#
    The last month and day of the fiscal year (register decision 5), var `fiscal_year_end`
    as 'MM-DD'. February 29 is refused: a fiscal year cannot end on a day most years lack.
#}
{% macro fiscal_year_end_parts() -%}
    {%- set value = var('fiscal_year_end', '12-31') | string -%}
    {%- set match = modules.re.match('^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$', value) -%}
    {%- set days_in_month = {1: 31, 2: 28, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31} -%}
    {%- if not match or (match.group(2) | int) > days_in_month[match.group(1) | int] -%}
        {{ exceptions.raise_compiler_error("var fiscal_year_end must be 'MM-DD' of a day every year has (e.g. '12-31', '04-30'), got '" ~ value ~ "'.") }}
    {%- endif -%}
    {{- return({'month': match.group(1) | int, 'day': match.group(2) | int}) -}}
{%- endmacro %}

{#
    The day the fiscal year containing `date_expression` ends: this year's fiscal year end if the
    date is on or before it, otherwise next year's.
#}
{% macro fiscal_year_ended_on(date_expression) -%}
    {%- set fye = fiscal_year_end_parts() -%}
    case
        when {{ date_expression }} <= {{ make_date_from_parts('extract(year from ' ~ date_expression ~ ')', fye.month, fye.day) }}
            then {{ make_date_from_parts('extract(year from ' ~ date_expression ~ ')', fye.month, fye.day) }}
        else {{ make_date_from_parts('extract(year from ' ~ date_expression ~ ') + 1', fye.month, fye.day) }}
    end
{%- endmacro %}
