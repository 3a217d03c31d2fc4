{#
    Rights fail closed (docs/decisions-enums.md): every *rejected* objection that names a subject
    the warehouse knows, in its most protective reading, shaped as stg_consent__objections so that
    int_subject_objections honours it like an accepted one.

    - A scope that cannot be read (not one of the listed values exactly, or null) closes every
      scope of seed policy_objection_scopes: one row per scope.
    - A subject type that cannot be read matches the subject of either type with that id.
    - A time that cannot be read, or lies after as_of, counts as as_of: the objection holds now.
    - Rows repeated under one id (conflicting_duplicate_id) are each honoured at their own time,
      so the objection counts from the earliest.
    A subject is resolved as every *_fail_closed model resolves it
    (macros/rights/rejected_rows_naming_known_subjects.sql): an unreadable subject type matches
    either type with that id; an objection naming no known subject (unknown_reference) stays
    rejected only.
#}
{%- set scopes_listed = source_accepted_values('consent', 'objections', 'scope') %}

with rejected as (

    {{ rejected_rows_naming_known_subjects('consent', 'objections') | indent(4) }}

),

scopes as (

    select distinct scope
    from {{ ref('policy_objection_scopes') }}

),

read_rows as (

    select
        rejected.source_table,
        rejected.record_id,
        rejected.objection_id,
        rejected.known_subject_type as subject_type,
        rejected.known_subject_id as subject_id,
        case when {{ enum_is_readable('rejected.scope', scopes_listed) }} then rejected.scope end as readable_scope,
        case
            when rejected.received_at is null or cast(rejected.received_at as date) > {{ as_of_date() }}
                then cast({{ as_of_date() }} as timestamp)
            else rejected.received_at
        end as received_at,
        rejected.rejection_reason,
        rejected.rejected_column
    from rejected

),

final as (

    select
        read_rows.source_table,
        read_rows.record_id,
        read_rows.objection_id,
        read_rows.subject_type,
        read_rows.subject_id,
        scopes.scope as objection_scope,
        read_rows.received_at,
        cast(read_rows.received_at as date) as received_on,
        read_rows.rejection_reason,
        read_rows.rejected_column,
        'objection to ' || coalesce(read_rows.readable_scope, 'every scope') as honoured_as
    from read_rows
    inner join scopes
        on read_rows.readable_scope = scopes.scope or read_rows.readable_scope is null

)

select * from final
