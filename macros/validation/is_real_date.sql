{#
    True when year, month and day (integer expressions) name a day of the Gregorian calendar.
    Plain arithmetic, no engine's date parser: a parser that rolls 1987-02-31 into March would
    let an impossible personnummer through.
#}
{% macro is_real_date(year, month, day) -%}
    (
        {{ month }} between 1 and 12
        and {{ day }} >= 1
        and {{ day }} <= case
            when {{ month }} in (1, 3, 5, 7, 8, 10, 12) then 31
            when {{ month }} in (4, 6, 9, 11) then 30
            when ({{ year }} % 4 = 0 and {{ year }} % 100 <> 0) or {{ year }} % 400 = 0 then 29
            else 28
        end
    )
{%- endmacro %}
