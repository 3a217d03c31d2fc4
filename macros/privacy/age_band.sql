{#
    A person's age band, decided by their age in full years on as_of (computed from the
    personnummer's birth date): the one derivation from a direct identifier the project declares
    (dbt_project.yml, generalisation_hierarchies.age: derives_from [personnummer]). Its mark lets
    column lineage (privacy_warehouse.lineage) tell this use of a personnummer from any other,
    which stops the publish. The bands are the published closed vocabulary of `age_band`.
    Business customers have no age: `business`.
#}
{% macro age_band(age_years, customer_type) -%}
    {%- set age = var('generalisation_hierarchies').get('age') -%}
    {%- if age is none or 'band' not in age.levels or 'personnummer' not in (age.derives_from or []) -%}
        {{ exceptions.raise_compiler_error("age_band(): dbt_project.yml declares no hierarchy 'age' with level 'band' derived from the personnummer (generalisation_hierarchies.age)") }}
    {%- endif -%}
    (case
        when {{ customer_type }} = 'business' then 'business'
        when {{ age_years }} is null then 'unknown'
        when {{ age_years }} < 30 then 'under_30'
        when {{ age_years }} < 45 then '30_44'
        when {{ age_years }} < 65 then '45_64'
        else '65_plus'
    end /* privacy:generalise age:band */)
{%- endmacro %}
