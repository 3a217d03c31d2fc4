{#
    A place (a postal area 'SE-11', a region 'SE-1' or a country code) at a level of the `place`
    hierarchy: `postal_area` keeps it, `postal_region` keeps a Swedish area's first digit,
    `country` keeps the country. Anything else becomes `unknown`, never itself: wrapped around
    a value that is no place (an e-mail address), the level publishes nothing of it.
#}
{% macro place_level(expression, level) -%}
    case
        when {{ expression }} is null then null
        when {{ matches_regex(expression, 'SE-[0-9]{1,2}') }} then
            {%- if level == 'postal_area' %} {{ expression }}
            {%- elif level == 'postal_region' %} substr({{ expression }}, 1, 4)
            {%- else %} 'SE'
            {%- endif %}
        when {{ matches_regex(expression, place_country_pattern()) }} then {{ expression }}
        else 'unknown'
    end
{%- endmacro %}
