{#
    fct_web_sessions before publication: each session's quasi-identifiers at the levels
    fct_web_sessions declares, the people (customers, or anonymous visitors) sharing them, and
    whether that class is under k.
#}
{{ k_anonymous_classes(ref('int_bizdev_sessions_exact'), 'session_id', "exact.person_type || ':' || exact.person_id", 'fct_web_sessions') }}
