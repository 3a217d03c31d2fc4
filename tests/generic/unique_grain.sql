{#
    The model's grain: no two rows share the values of `columns` (what one row is, as its
    description says). Declared once, as this test's arguments in the model's YAML (on the
    model, or on a column where the model's tests are a shared anchor); the guard
    tests/python/test_grain.py requires it of every model. Fails with a count per repeated
    combination, never with the values (they are keys).
#}
{% test unique_grain(model, columns=none, column_name=none) %}
{%- set columns = columns or [column_name] %}
select count(*) as rows_sharing_the_grain
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
