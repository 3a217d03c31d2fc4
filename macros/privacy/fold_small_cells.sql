{#
    Cells of an aggregate that would describe fewer than k people are not dropped (a dropped
    cell is the difference between this table's totals and another table's: differencing) but
    folded: within their parent cell (`parent_columns`), their `child_columns` become 'other'.
    If the fold itself describes fewer than k people, the whole parent becomes one 'other' cell.
    A parent made of published row-level classes holds at least k people, so every cell ends
    at k or more and the parent's totals equal the row-level table's.
    Returns a SELECT of the relation's rows with the child columns replaced.
#}
{% macro fold_small_cells(relation, parent_columns, child_columns, person) -%}
{%- set k = var('k_anonymity') -%}
{%- set cell_columns = parent_columns + child_columns -%}
with fold_cells as (

    select
        {{ cell_columns | join(', ') }},
        count(distinct {{ person }}) as cell_people
    from {{ relation }}
    group by {{ cell_columns | join(', ') }}

),

fold_marked as (

    select
        rows_in.*,
        fold_cells.cell_people < {{ k }} as is_small_cell
    from {{ relation }} as rows_in
    inner join fold_cells
        on {% for column in cell_columns %}rows_in.{{ column }} = fold_cells.{{ column }}{% if not loop.last %} and {% endif %}{% endfor %}

),

fold_parents as (

    select
        {{ parent_columns | join(', ') }},
        count(distinct {{ person }}) as folded_people
    from fold_marked
    where is_small_cell
    group by {{ parent_columns | join(', ') }}

),

fold_final as (

    select
        fold_marked.*,
        fold_marked.is_small_cell or coalesce(fold_parents.folded_people, {{ k }}) < {{ k }} as is_folded
    from fold_marked
    left join fold_parents
        on {% for column in parent_columns %}fold_marked.{{ column }} = fold_parents.{{ column }}{% if not loop.last %} and {% endif %}{% endfor %}

)

select
    fold_final.*,
    {%- for column in child_columns %}
    case when is_folded then 'other' else cast({{ column }} as {{ varchar_type() }}) end as folded_{{ column }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from fold_final
{%- endmacro %}
