{#
    Rights fail closed (docs/decisions-enums.md): the rejected rows of the landing table
    `<source_name>.<table_name>` (its quarantine model base_<source_name>__<table_name>) that
    name a subject the warehouse knows, each with that subject as known_subject_type and
    known_subject_id. A SELECT of every column of the quarantine row plus those two.

    The one resolution of a rejected row's subject, for every *_fail_closed model:
      - the id is read trimmed, and must be a customer's (stg_booking__customers) or a lead's
        (stg_crm__leads): a row naming no known subject (unknown_reference) stays rejected only;
      - a subject type that cannot be read (not one of the table's listed values exactly, or
        null) matches the subject of either type with that id: one row per match.
#}
{% macro rejected_rows_naming_known_subjects(source_name, table_name) -%}
{%- set types_listed = source_accepted_values(source_name, table_name, 'subject_type') -%}
select
    rejected.*,
    known_subjects.subject_type as known_subject_type,
    known_subjects.subject_id as known_subject_id
from {{ ref('base_' ~ source_name ~ '__' ~ table_name) }} as rejected
inner join (
    select
        'customer' as subject_type,
        customer_id as subject_id
    from {{ ref('stg_booking__customers') }}
    union all
    select
        'lead' as subject_type,
        lead_id as subject_id
    from {{ ref('stg_crm__leads') }}
) as known_subjects
    on trim(rejected.subject_id) = known_subjects.subject_id
        and (
            rejected.subject_type = known_subjects.subject_type
            or not {{ enum_is_readable('rejected.subject_type', types_listed) }}
        )
where rejected.rejection_reason is not null
{%- endmacro %}
