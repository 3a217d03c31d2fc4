{#
    A postal code generalised to its postal area: the first two digits of a Swedish code
    ('SE-11'), or only the country abroad. Never the code itself: a five-digit code can hold a
    handful of households. `digits=1` gives the coarser postal region ('SE-1'). A Swedish code
    that does not start with digits gives the country alone, as a missing one does; a country
    that is not a two-letter code gives `unknown`: nothing passes through unchanged. It is the
    `place` hierarchy's first level, and marked so for column lineage (dbt_project.yml,
    generalisation_hierarchies.place: kinds).
#}
{% macro postal_area(postal_code, country_code, digits=2) -%}
    {%- set leading_digits = "substr(replace(" ~ postal_code ~ ", ' ', ''), 1, " ~ digits ~ ")" -%}
    (case
        when {{ country_code }} = 'SE' and {{ matches_regex(leading_digits, '[0-9]{' ~ digits ~ '}') }}
            then 'SE-' || {{ leading_digits }}
        when {{ matches_regex(country_code, place_country_pattern()) }} then {{ country_code }}
        else 'unknown'
    end /* privacy:generalise place:postal_area */)
{%- endmacro %}
