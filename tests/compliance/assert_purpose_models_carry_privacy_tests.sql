{#
    The declaration drives the tests: every model outside staging, intermediate and compliance
    declares a purpose of the register, and every model that declares a purpose carries the
    privacy tests its declaration calls for:
      - all:                            retention window, allowed categories
      - purpose business_development:   leak scan, pseudonym format, k-anonymity
      - a purpose an objection closes (seed policy_objection_scopes), rows about a subject:
                                        objections honoured
      - meta.consent:                   consent honoured
    A new mart cannot ship without its privacy tests: this test fails, naming it and what's missing.
#}
{%- set purposes_seed = ref('policy_purposes') -%}
{%- set scopes_seed = ref('policy_objection_scopes') -%}
{%- set problems = [] -%}
{%- if execute -%}
    {%- set known_purposes = run_query('select purpose from ' ~ purposes_seed).columns[0].values() | list -%}
    {%- set objectable_purposes = run_query('select distinct closes_purpose from ' ~ scopes_seed ~ ' where closes_purpose is not null').columns[0].values() | list -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.package_name == project_name -%}
        {%- set layer = node.fqn[1] if node.fqn | length > 2 else '' -%}
        {%- set purpose = node.config.meta.get('purpose') -%}
        {%- if not purpose -%}
            {%- if layer not in ['staging', 'intermediate', 'compliance'] -%}
                {%- do problems.append((node.name, 'declares no purpose (config.meta.purpose)')) -%}
            {%- endif -%}
        {%- else -%}
            {%- if purpose not in known_purposes -%}
                {%- do problems.append((node.name, 'declares purpose ' ~ purpose ~ ', which the register does not have')) -%}
            {%- endif -%}
            {%- set required = ['privacy_within_retention_window', 'privacy_allowed_categories'] -%}
            {%- if purpose == 'business_development' -%}
                {%- do required.extend(['privacy_no_identifier_leaks', 'privacy_pseudonym_format', 'privacy_k_anonymity']) -%}
            {%- endif -%}
            {%- if purpose in objectable_purposes and privacy_subject_ways(node) -%}
                {%- do required.append('privacy_objections_honoured') -%}
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
        {%- endif -%}
    {%- endfor -%}
{%- endif %}

{%- if problems %}
{%- for model_name, problem in problems %}
select '{{ model_name }}' as model_name, '{{ problem }}' as problem
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{%- else %}
select 'none' as model_name, 'none' as problem where false
{%- endif %}
