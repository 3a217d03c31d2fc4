{#
    Every subject's window for every purpose that applies to it, as computed once in
    intermediate.int_subject_purpose_windows (intermediate models never read compliance ones).
#}
select * from {{ ref('int_subject_purpose_windows') }}
