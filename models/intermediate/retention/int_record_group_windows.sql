{#
    One row per group of records (int_record_groups) and purpose that may use them, with that
    purpose's window: the subject's (int_subject_purpose_windows, joined here rather than copied
    onto every record), an anonymous visitor's record's own (its day + the rule's months), or an
    invoice's bookkeeping window (macros/retention/purpose_windows.sql, shared with
    int_record_purpose_windows). What the erasure queue and the retention forecast count.
#}
{{ purpose_windows(ref('int_record_groups'), ['*'], 'own_window_on') }}
