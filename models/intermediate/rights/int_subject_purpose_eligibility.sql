{#
    May this subject's data be used for this purpose on as_of? Inside the window
    (int_subject_purpose_windows) and not closed by an objection received on or before as_of.
    Every purpose mart filters on this one table, so the rules are applied once.
#}
with deadlines as (

    select * from {{ ref('int_subject_purpose_windows') }}

),

objections as (

    select * from {{ ref('int_subject_objections') }}
    where objected_on <= {{ as_of_date() }}

),

final as (

    select
        deadlines.subject_type,
        deadlines.subject_id,
        deadlines.purpose,
        deadlines.retention_until,
        deadlines.within_window,
        objections.objected_on,
        objections.objection_scopes,
        objections.objected_on is not null as has_objected,
        deadlines.within_window and objections.objected_on is null as is_eligible
    from deadlines
    left join objections
        on deadlines.subject_type = objections.subject_type
            and deadlines.subject_id = objections.subject_id
            and deadlines.purpose = objections.purpose

)

select * from final
