{#
    True when the last digit of `digits` (a string of n digits) is the Luhn check digit of the
    n-1 before it: weights 2,1,2,1,... from the left, digits of each product summed. Written in
    plain arithmetic so that every engine computes it the same way.
#}
{% macro luhn_is_valid(digits, length) -%}
    (
        (10 - (
            {%- for position in range(1, length) %}
            {%- set weight = 2 if position % 2 == 1 else 1 %}
            {% if not loop.first %}+ {% endif -%}
            (case when {{ try_cast_integer("substr(" ~ digits ~ ", " ~ position ~ ", 1)") }} * {{ weight }} > 9
                then {{ try_cast_integer("substr(" ~ digits ~ ", " ~ position ~ ", 1)") }} * {{ weight }} - 9
                else {{ try_cast_integer("substr(" ~ digits ~ ", " ~ position ~ ", 1)") }} * {{ weight }} end)
            {%- endfor %}
        ) % 10) % 10
    ) = {{ try_cast_integer("substr(" ~ digits ~ ", " ~ length ~ ", 1)") }}
{%- endmacro %}
