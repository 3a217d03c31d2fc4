{#
    The declaration drives the tests: every model outside staging, intermediate and compliance
    declares a purpose of the register, and every model that declares a purpose carries the
    privacy tests its declaration calls for:
      - all:                            retention window, allowed categories
      - purpose business_development:   leak scan, pseudonym format, k-anonymity, closed
                                        vocabulary (its marts are what analysts read; the
                                        publish asks it of every published model too), and
                                        l-diversity for a row-level table
      - a purpose an objection closes (seed policy_objection_scopes), rows about a subject:
                                        objections honoured
      - meta.consent:                   consent honoured
    A new mart cannot ship without its privacy tests: this test fails, naming it and what's missing.

    What the graph tells (declarations, attached tests) is decided here in Jinja; what the
    register's seeds tell (known purposes, purposes an objection closes) is joined in SQL, not read
    with run_query at compile time: so `dbt compile` and `dbt docs generate` work on a warehouse
    whose seeds were never loaded.
#}
{%- set problems = [] -%}
{%- set declared = [] -%}
{%- for node in graph.nodes.values() if node.resource_type == 'model' and node.package_name == project_name -%}
    {%- set layer = node.fqn[1] if node.fqn | length > 2 else '' -%}
    {%- set purpose = node.config.meta.get('purpose') -%}
    {%- if not purpose -%}
        {%- if layer not in ['staging', 'intermediate', 'compliance'] -%}
            {%- do problems.append((node.name, 'declares no purpose (config.meta.purpose)')) -%}
        {%- endif -%}
    {%- else -%}
        {%- set required = ['privacy_within_retention_window', 'privacy_allowed_categories'] -%}
        {%- if purpose == 'business_development' -%}
            {%- do required.extend(['privacy_no_identifier_leaks', 'privacy_pseudonym_format', 'privacy_k_anonymity', 'privacy_closed_vocabulary']) -%}
            {%- if (node.config.meta.get('k_anonymity') or {}).get('people') -%}
                {%- do required.append('privacy_l_diversity') -%}
            {%- endif -%}
        {%- endif -%}
        {%- if node.config.meta.get('consent') -%}
            {%- do required.append('privacy_consent_honoured') -%}
        {%- endif -%}
        {%- set attached = [] -%}
        {%- for test in graph.nodes.values() if test.resource_type == 'test' and test.attached_node == node.unique_id and test.test_metadata -%}
            {%- do attached.append(test.test_metadata.name) -%}
        {%- endfor -%}
        {%- for test_name in required if test_name not in attached -%}
            {%- do problems.append((node.name, 'lacks the test ' ~ test_name)) -%}
        {%- endfor -%}
        {#- Needed only if the register says an objection closes this purpose (joined below). -#}
        {%- set lacks_objections_test = privacy_subject_ways(node) and 'privacy_objections_honoured' not in attached -%}
        {%- do declared.append((node.name, purpose, lacks_objections_test)) -%}
    {%- endif -%}
{%- endfor %}

with declared_purposes as (
    {%- for model_name, purpose, lacks_objections_test in declared %}
    select
        '{{ model_name }}' as model_name,
        '{{ purpose }}' as purpose,
        {{ 'true' if lacks_objections_test else 'false' }} as lacks_objections_test
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

graph_problems as (
    {%- for model_name, problem in problems %}
    select
        '{{ model_name }}' as model_name,
        '{{ problem }}' as problem
    union all
    {%- endfor %}
    select
        'none' as model_name,
        'none' as problem
    from declared_purposes
    where false
),

unknown_purposes as (
    select
        model_name,
        'declares purpose ' || purpose || ', which the register does not have' as problem
    from declared_purposes
    where purpose not in (select purpose from {{ ref('policy_purposes') }})
),

objections_untested as (
    select
        model_name,
        'lacks the test privacy_objections_honoured' as problem
    from declared_purposes
    where
        lacks_objections_test
        and purpose in (
            select closes_purpose from {{ ref('policy_objection_scopes') }}
            where closes_purpose is not null
        )
),

final as (
    select * from graph_problems
    union all
    select * from unknown_purposes
    union all
    select * from objections_untested
)

select * from final
