{#
    A ledger of dbt invocations in the working warehouse: `audit.build_invocations`.

    Why: the publish step audits `run_results.json`, but a build that is killed, or that stops in
    its on-run-start hook, leaves the previous (green) run_results.json in place while the
    warehouse may already hold half-rebuilt tables. The ledger ties the warehouse to the build
    that last wrote it: the publish step refuses unless the warehouse's latest invocation is the
    audited one and it finished. The start is recorded before anything else runs, so a build that
    dies at any later point leaves an unfinished row behind.
    No personal data: invocation id, as_of and times only.
#}
{% macro record_build_start() -%}
    {{ return(adapter.dispatch('record_build_start', 'privacy_warehouse')()) }}
{%- endmacro %}

{% macro record_build_end() -%}
    {{ return(adapter.dispatch('record_build_end', 'privacy_warehouse')()) }}
{%- endmacro %}

{% macro default__record_build_start() -%}
    create schema if not exists audit;
    create table if not exists audit.build_invocations (
        invocation_id varchar(36),
        as_of date,
        started_at timestamp,
        finished_at timestamp
    );
    insert into audit.build_invocations (invocation_id, as_of, started_at, finished_at)
    values ('{{ invocation_id }}', {{ as_of_date() }}, current_timestamp, null)
{%- endmacro %}

{% macro default__record_build_end() -%}
    update audit.build_invocations
    set finished_at = current_timestamp
    where invocation_id = '{{ invocation_id }}'
{%- endmacro %}

{#
    Spark runs one statement per call and cannot UPDATE a Parquet table: the ledger is
    append-only there, a finished build being a second row of its invocation with finished_at.
#}
{% macro spark__record_build_start() -%}
    {%- do run_query('create schema if not exists audit') -%}
    {%- do run_query(
        'create table if not exists audit.build_invocations '
        ~ '(invocation_id string, as_of date, started_at timestamp, finished_at timestamp) using parquet'
    ) -%}
    insert into audit.build_invocations
    select '{{ invocation_id }}', {{ as_of_date() }}, current_timestamp, cast(null as timestamp)
{%- endmacro %}

{% macro spark__record_build_end() -%}
    insert into audit.build_invocations
    select invocation_id, as_of, started_at, current_timestamp
    from audit.build_invocations
    where invocation_id = '{{ invocation_id }}' and finished_at is null
{%- endmacro %}
