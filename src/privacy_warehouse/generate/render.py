"""Turn the numeric plan into the contract's tables with DuckDB SQL.

The planned frames are registered as DuckDB relations (`p_<entity>`); each table is one
`CREATE TABLE good_<table> AS SELECT ...` that formats ids, looks words up in the vocabulary
macros and casts every column to the contract's type. Pseudo-random choices made here (which page
a visitor opens, the IP address) come from DuckDB's `hash()` of the row's numbers and the seed, so
they are deterministic and need no per-row Python.
"""

from __future__ import annotations

import duckdb

from privacy_warehouse.sql import quote_literal

from . import vocabulary as vocab
from .contract import (
    ACTIVITY_KINDS,
    CHANNELS,
    FORMS,
    HOLD_REASONS,
    LEAD_SOURCES,
    METHODS,
    OBJECTION_SCOPES,
    SERVICES,
    TABLES_BY_NAME,
)
from .model import Plan


def sql_list(values: list) -> str:
    return "[" + ", ".join(quote_literal(value) if isinstance(value, str) else sql_list(value)
                           for value in values) + "]"


def create_macros(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    """Vocabulary lookups and formatting helpers shared by every table's SQL."""
    lists = {
        "first_name": vocab.FIRST_NAMES, "last_name": vocab.LAST_NAMES,
        "se_street": vocab.SWEDISH_STREETS, "email_domain": vocab.PRIVATE_EMAIL_DOMAINS,
        "company_word": vocab.COMPANY_WORDS, "company_prefix": vocab.COMPANY_PREFIXES,
        "legal_suffix": vocab.LEGAL_FORM_SUFFIXES, "sole_trade": vocab.SOLE_TRADER_TRADES,
        "user_agent": vocab.USER_AGENTS, "own_path": vocab.OWN_PATHS,
        "partner_path": vocab.PARTNER_PATHS, "referrer": vocab.REFERRERS,
        "campaign": vocab.CAMPAIGNS, "service_name": SERVICES, "method_name": METHODS,
        "source_name": LEAD_SOURCES, "kind_name": ACTIVITY_KINDS, "form_name": FORMS,
        "channel_name": CHANNELS, "scope_name": OBJECTION_SCOPES, "reason_name": HOLD_REASONS,
        "place_city": [place[1] for place in vocab.PLACES],
        "place_country": [place[0] for place in vocab.PLACES],
    }
    for name, values in lists.items():
        con.execute(f"create or replace macro {name}(i) as "
                    f"({sql_list(values)})[cast(i as bigint) % {len(values)} + 1]")
    con.execute(f"""
        create or replace macro rnd(a, b, c) as cast(hash({seed}, a, b, c) >> 2 as bigint);
        create or replace macro ts(us) as make_timestamp(cast(us as bigint));
        create or replace macro day_date(d) as cast('1970-01-01' as date) + cast(d as integer);
        create or replace macro money(ore) as
            cast(cast(ore as decimal(18, 0)) * 0.01 as decimal(12, 2));
        create or replace macro ascii_name(x) as
            regexp_replace(lower(strip_accents(x)), '[^a-z]', '', 'g');
        create or replace macro slug(x) as
            regexp_replace(lower(strip_accents(x)), '[^a-z0-9]+', '', 'g');
        create or replace macro genitive(x) as case when suffix(x, 's') then x else x || 's' end;
        create or replace macro visitor_of(key) as md5(printf('%d/%d', {seed}, key));
        create or replace macro postal_of(country, code) as case country
            when 'SE' then printf('%03d %02d', code // 100, code % 100)
            when 'NO' then printf('%04d', code) when 'DK' then printf('%04d', code)
            else printf('%05d', code) end;
        create or replace macro foreign_street(country, i) as case country
            when 'NO' then ({sql_list(vocab.FOREIGN_STREETS['NO'])})[i % 4 + 1]
            when 'DK' then ({sql_list(vocab.FOREIGN_STREETS['DK'])})[i % 4 + 1]
            when 'FI' then ({sql_list(vocab.FOREIGN_STREETS['FI'])})[i % 4 + 1]
            else ({sql_list(vocab.FOREIGN_STREETS['DE'])})[i % 4 + 1] end;
        create or replace macro phone_of(country, number, pick) as case country
            when 'SE' then printf('+467%d%07d', ([0, 2, 3])[pick % 3 + 1], number)
            when 'NO' then printf('+474%07d', number) when 'DK' then printf('+452%07d', number)
            when 'FI' then printf('+35840%07d', number) else printf('+49151%08d', number) end;
        create or replace macro fill(template, name, first, email, phone, city, city2, n,
                                     pnr, order_id) as
            replace(replace(replace(replace(replace(replace(replace(replace(replace(template,
                '{{name}}', coalesce(name, '')), '{{first}}', coalesce(first, '')),
                '{{email}}', coalesce(email, '')), '{{phone}}', coalesce(phone, '')),
                '{{city}}', coalesce(city, '')), '{{city2}}', coalesce(city2, '')),
                '{{n}}', coalesce(cast(n as varchar), '')), '{{pnr}}', coalesce(pnr, '')),
                '{{order}}', coalesce(order_id, ''));
    """)


def register(con: duckdb.DuckDBPyConnection, plan: Plan) -> None:
    for entity in ("customers", "leads", "agreements", "orders", "payments", "invoices",
                   "invoice_lines", "sessions", "forms", "activities", "surveys", "consents",
                   "objections", "holds"):
        con.register(f"p_{entity}", getattr(plan, entity))


def fmt(table: str) -> str:
    """The printf format of a table's numbered ids, e.g. 'C%07d'."""
    return TABLES_BY_NAME[table].id_format


CUSTOMER, LEAD = fmt("booking.customers"), fmt("crm.leads")
ORDER, INVOICE = fmt("booking.orders"), fmt("booking.invoices")


def customers_sql() -> str:
    return f"""
    with c as (
        select *, first_name(first) as fn, last_name(last) as ln,
            place_city(place) as city_name, place_country(place) as cc
        from p_customers
    ), named as (
        select *,
            case when not business then fn || ' ' || ln
                 when sole_trader then fn || ' ' || ln || ' ' || sole_trade(company_word)
                 else case company_style
                        when 0 then genitive(ln) || ' ' || company_word(company_word)
                        when 1 then company_prefix(company_word) || ' '
                                    || company_word(company_word // 10)
                        when 2 then city_name || ' ' || company_word(company_word)
                        else ln || ' & ' || last_name(company_word) end
                      || ' ' || legal_suffix(legal_form) end as display_name
        from c
    )
    select
        printf('{CUSTOMER}', no) as customer_id,
        case when business then 'business' else 'private' end as customer_type,
        case when not business then printf('%04d%02d%02d-%03d%d', pn_year, pn_month, pn_day,
                                           pn_birth, pn_check) end as personnummer,
        case when sole_trader then printf('%02d%02d%02d-%03d%d', pn_year % 100, pn_month,
                                          pn_day, pn_birth, pn_check)
             when business then printf('%06d-%03d%d', org_body // 1000, org_body % 1000,
                                       org_check) end as organisation_number,
        display_name as name,
        case when has_email then
            case when business and not sole_trader then
                    (['info', 'order', ascii_name(fn)])[email_style + 1] || '@'
                    || slug(display_name) || '.se'
                 else (case email_style
                        when 0 then ascii_name(fn) || '.' || ascii_name(ln) || no
                        when 1 then ascii_name(fn) || no
                        else left(ascii_name(fn), 1) || ascii_name(ln) || no end)
                      || '@' || email_domain(email_domain) end
        end as email,
        case when has_phone then phone_of(cc, phone_number, no) end as phone,
        case when has_street then
            case when cc = 'SE' then se_street(street) || ' ' || street_number
                    || (['', 'A', 'B'])[street_letter + 1]
                    || case when flat > 0 then ', lgh ' || flat else '' end
                 else foreign_street(cc, street) || ' ' || street_number end
        end as street_address,
        postal_of(cc, postal) as postal_code,
        city_name as city,
        cc as country_code,
        case when has_username then
            case when business and not sole_trader then slug(display_name) || no
                 else ascii_name(fn) || '_' || ascii_name(ln) || no end end as username,
        case when lead_no > 0 then printf('{LEAD}', lead_no) end as lead_id,
        ts(created) as created_at
    from named"""


def leads_sql() -> str:
    return f"""
    with l as (
        select p_leads.*, first_name(first) as fn, last_name(last) as ln,
            genitive(last_name(last + 3)) || ' ' || company_word(company_word) || ' AB'
                as company_name
        from p_leads
    )
    select
        printf('{LEAD}', l.no) as lead_id,
        ts(l.obtained) as obtained_at,
        source_name(l.source) as source,
        l.fn || ' ' || l.ln as name,
        case when l.customer_no > 0 then c.email
             when l.has_email and l.has_company then
                ascii_name(l.fn) || '.' || ascii_name(l.ln) || '.' || l.no || '@'
                || slug(l.company_name) || '.se'
             when l.has_email then ascii_name(l.fn) || '.' || ascii_name(l.ln) || '.' || l.no
                || '@' || email_domain(l.email_domain) end as email,
        case when l.customer_no > 0 then c.phone
             when l.has_phone then printf('+4679%07d', (l.no * 7919111 + 4711) % 10000000)
             end as phone,
        case when l.customer_no > 0 then
                case when c.customer_type = 'business' then c.name end
             when l.has_company then l.company_name end as company
    from l
    left join good_customers as c on c.customer_id = printf('{CUSTOMER}', l.customer_no)"""


def agreements_sql() -> str:
    return f"""
    select printf('{fmt("booking.agreements")}', no) as agreement_id,
        printf('{CUSTOMER}', customer_no) as customer_id,
        day_date(started) as started_on,
        case when terminated >= 0 then day_date(terminated) end as terminated_on
    from p_agreements"""


def orders_sql(order_id: str = f"printf('{ORDER}', no)",
               customer_id: str = f"printf('{CUSTOMER}', customer_no)",
               source: str = "p_orders") -> str:
    return f"""
    select {order_id} as order_id,
        {customer_id} as customer_id,
        ts(ordered) as ordered_at,
        service_name(service) as service,
        postal_of(place_country(pickup_place), pickup_postal) as pickup_postal_code,
        place_city(pickup_place) as pickup_city,
        postal_of(place_country(delivery_place), delivery_postal) as delivery_postal_code,
        place_city(delivery_place) as delivery_city,
        place_country(delivery_place) as delivery_country_code,
        case when recipient_first >= 0 then
            first_name(recipient_first) || ' ' || last_name(recipient_last) end
            as recipient_name,
        case when has_recipient_phone then
            printf('+4676%07d', (rnd(no, ordered, 3) % 10000000)) end as recipient_phone,
        cast(cast(weight_cg as decimal(18, 0)) * 0.01 as decimal(9, 2)) as weight_kg,
        money(price_ore) as price_sek,
        ts(promised) as promised_by,
        case when delivered >= 0 then ts(delivered) end as delivered_at,
        case when cancelled >= 0 then ts(cancelled) end as cancelled_at
    from {source}"""


def payments_sql(payment_id: str = f"printf('{fmt('booking.payments')}', no)",
                 order_id: str = f"printf('{ORDER}', order_no)",
                 source: str = "p_payments") -> str:
    return f"""
    select {payment_id} as payment_id,
        {order_id} as order_id,
        ts(paid) as paid_at,
        money(amount_ore) as amount_sek,
        method_name(method) as method,
        -- one card per customer: the same last digits on all their card payments
        case when method = 0 then printf('%04d', rnd(customer_no, 0, 'card') % 10000) end
            as card_last4
    from {source}"""


def invoices_sql() -> str:
    return f"""
    select printf('{INVOICE}', i.no) as invoice_id,
        c.customer_id,
        day_date(i.invoice_day) as invoice_date,
        c.name as billing_name,
        case when c.street_address is not null then
            c.street_address || ', ' || c.postal_code || ' ' || c.city end as billing_address,
        money(i.total_ore) as total_sek,
        day_date(i.invoice_day + 30) as due_date
    from p_invoices as i
    join good_customers as c on c.customer_id = printf('{CUSTOMER}', i.customer_no)"""


def invoice_lines_sql() -> str:
    return f"""
    select printf('{INVOICE}', invoice_no) as invoice_id,
        printf('{ORDER}', order_no) as order_id,
        money(amount_ore) as amount_sek
    from p_invoice_lines"""


def page_views_sql(event_id: str = f"printf('{fmt('web.page_views')}', first_event + k)",
                   session_id: str = "printf('S%09d', no)",
                   visitor: str = "visitor_of(visitor)",
                   source: str = "p_sessions") -> str:
    """Sessions expand into pages minutes apart; page k's referrer is page k-1's address.

    What is the same for a whole session (visitor, IP address, user agent) is computed once per
    session, before the expansion into pages.
    """
    path = """case
            when {k} = 0 and campaign >= 0 then
                '/?utm_source=' || campaign(campaign) || '&utm_medium=email'
                || case when email is not null
                        then '&email=' || replace(email, '@', '%40') else '' end
            when partner then partner_path(rnd(no, {k}, 'path'))
            else own_path(rnd(no, {k}, 'path')) end"""
    ip = """case
            when ipv6 then printf('2a02:%x:%x:%x:%x:%x:%x:%x', 4096 + ip_bits % 61440,
                (ip_bits >> 16) % 65536, (ip_bits >> 32) % 65536, rnd(ip_key, 1, 'ip6') % 65536,
                rnd(ip_key, 2, 'ip6') % 65536, rnd(ip_key, 3, 'ip6') % 65536,
                rnd(ip_key, 4, 'ip6') % 65536)
            else printf('%d.%d.%d.%d', 1 + ip_bits % 223, (ip_bits >> 8) % 256,
                        (ip_bits >> 16) % 256, 1 + (ip_bits >> 24) % 254) end"""
    return f"""
    with keyed as (
        -- a device at home keeps its IP address across sessions; elsewhere it changes
        select s.*, c.email, case when home_ip then visitor else -no end as ip_key,
            rnd(case when home_ip then visitor else -no end, 0, 'ip') as ip_bits
        from {source} as s
        left join good_customers as c
            on s.customer_no > 0 and c.customer_id = printf('{CUSTOMER}', s.customer_no)
    ), sessions as (
        select *, {session_id} as session_key, {visitor} as visitor_key, {ip} as ip_text,
            case when user_agent >= 0 then user_agent(user_agent) end as agent
        from keyed
    ), pages as (
        select *, rnd(no, k, 'jitter') % (pace_s // 2) as jitter,
            rnd(no, k + 1, 'jitter') % (pace_s // 2) as next_jitter
        from (select *, unnest(range(pages)) as k from sessions)
    )
    select {event_id} as event_id,
        ts(start + (k * pace_s + jitter) * 1000000) as occurred_at,
        session_key as session_id,
        visitor_key as visitor_id,
        case when logged_in then printf('{CUSTOMER}', customer_no) end as customer_id,
        ip_text as ip_address,
        case when partner then 'partner' else 'own' end as site,
        {path.format(k='k')} as url_path,
        case when k = 0 then case when referrer >= 0 then referrer(referrer) end
             else '{vocab.OWN_SITE}' || {path.format(k='k - 1')} end as referrer,
        agent as user_agent,
        -- the time on a page is the gap to the next one; on the last page it is unknown or a guess
        cast(case when k < pages - 1 then pace_s + next_jitter - jitter
                  when rnd(no, k, 'last') % 3 > 0 then 5 + rnd(no, k, 'last') % 300 end
             as integer) as time_on_page_s
    from pages"""


def form_submissions_sql() -> str:
    messages = sql_list([vocab.FORM_MESSAGES[form] for form in FORMS])
    return f"""
    with f as (
        select p_forms.*, first_name(first) as fn, last_name(last) as ln
        from p_forms
    ), who as (
        select f.*, l.lead_id is not null or c.customer_id is not null as known,
            coalesce(l.name, case when c.customer_type = 'private' then c.name end,
                     fn || ' ' || ln) as full_person,
            coalesce(l.phone, c.phone, printf('+4673%07d', rnd(f.no, 0, 'phone') % 10000000))
                as any_phone,
            l.email as lead_email, c.email as customer_email,
            coalesce(l.company, case when c.customer_type = 'business' then c.name end)
                as firm
        from f
        left join good_leads as l on f.lead_no > 0 and l.lead_id = printf('{LEAD}', f.lead_no)
        left join good_customers as c
            on f.customer_no > 0 and c.customer_id = printf('{CUSTOMER}', f.customer_no)
    ), filled as (
        select *,
            case when known or has_name then full_person end as person,
            -- a known subject types their own address; a stranger mostly gives one
            coalesce(lead_email, customer_email,
                     case when known or form = 2 or rnd(no, 0, 'email') % 10 < 8 then
                        ascii_name(split_part(full_person, ' ', 1)) || '.'
                        || ascii_name(split_part(full_person, ' ', -1)) || '.w' || no || '@'
                        || email_domain(no) end) as mail,
            case when has_phone then any_phone end as tel
        from who
    )
    select printf('{fmt("web.form_submissions")}', no) as submission_id,
        ts(submitted) as submitted_at,
        form_name(form) as form,
        case when visitor >= 0 then visitor_of(visitor) end as visitor_id,
        case when lead_no > 0 then printf('{LEAD}', lead_no) end as lead_id,
        case when customer_no > 0 then printf('{CUSTOMER}', customer_no) end as customer_id,
        case when form <> 2 then person end as name,
        mail as email,
        case when form <> 2 then tel end as phone,
        case when form <> 2 then firm end as company,
        case when has_message then fill(
            ({messages})[form + 1][message % len(({messages})[form + 1]) + 1],
            full_person, split_part(full_person, ' ', 1), mail, any_phone, place_city(city),
            place_city(city + 7), 1 + message % 40, null,
            printf('{ORDER}', 1 + message * 97)) end as message
    from filled"""


def activities_sql() -> str:
    customer_notes = sql_list(vocab.ACTIVITY_NOTES_CUSTOMER)
    lead_notes = sql_list(vocab.ACTIVITY_NOTES_LEAD)
    return f"""
    select printf('{fmt("crm.activities")}', a.no) as activity_id,
        ts(a.occurred) as occurred_at,
        case when a.subject_type = 0 then 'customer' else 'lead' end as subject_type,
        case when a.subject_type = 0 then printf('{CUSTOMER}', a.subject_no)
             else printf('{LEAD}', a.subject_no) end as subject_id,
        kind_name(a.kind) as kind,
        case when a.has_note then fill(
            case when a.subject_type = 0
                 then ({customer_notes})[a.note % {len(vocab.ACTIVITY_NOTES_CUSTOMER)} + 1]
                 else ({lead_notes})[a.note % {len(vocab.ACTIVITY_NOTES_LEAD)} + 1] end,
            coalesce(c.name, l.name), split_part(coalesce(c.name, l.name), ' ', 1),
            coalesce(c.email, l.email), coalesce(c.phone, l.phone), place_city(a.city),
            place_city(a.city + 11), a.volume, coalesce(c.personnummer, c.organisation_number),
            null) end as notes,
        printf('rep-%03d', a.owner) as owner
    from p_activities as a
    left join good_customers as c
        on a.subject_type = 0 and c.customer_id = printf('{CUSTOMER}', a.subject_no)
    left join good_leads as l
        on a.subject_type = 1 and l.lead_id = printf('{LEAD}', a.subject_no)"""


def survey_responses_sql() -> str:
    comments = vocab.SURVEY_COMMENTS
    return f"""
    select printf('{fmt("crm.survey_responses")}', no) as response_id,
        printf('{CUSTOMER}', customer_no) as customer_id,
        ts(responded) as responded_at,
        cast(score as integer) as nps_score,
        case when has_comment then case
            when score >= 9 then ({sql_list(comments['promoter'])})[
                comment % {len(comments['promoter'])} + 1]
            when score >= 7 then ({sql_list(comments['passive'])})[
                comment % {len(comments['passive'])} + 1]
            else ({sql_list(comments['detractor'])})[
                comment % {len(comments['detractor'])} + 1] end end as comment
    from p_surveys"""


def consent_events_sql() -> str:
    return f"""
    select printf('{fmt("consent.consent_events")}', no) as event_id,
        case when subject_type = 0 then 'customer' else 'lead' end as subject_type,
        case when subject_type = 0 then printf('{CUSTOMER}', subject_no)
             else printf('{LEAD}', subject_no) end as subject_id,
        channel_name(channel) as channel,
        case when action = 0 then 'granted' else 'withdrawn' end as action,
        ts(occurred) as occurred_at
    from p_consents"""


def objections_sql() -> str:
    return f"""
    select printf('{fmt("consent.objections")}', no) as objection_id,
        case when subject_type = 0 then 'customer' else 'lead' end as subject_type,
        case when subject_type = 0 then printf('{CUSTOMER}', subject_no)
             else printf('{LEAD}', subject_no) end as subject_id,
        scope_name(scope) as scope,
        ts(received) as received_at
    from p_objections"""


def legal_holds_sql() -> str:
    return f"""
    select printf('{fmt("legal.legal_holds")}', no) as hold_id,
        printf('{CUSTOMER}', customer_no) as customer_id,
        reason_name(reason) as reason,
        day_date(opened) as opened_on,
        case when closed >= 0 then day_date(closed) end as closed_on
    from p_holds"""


# In dependency order: a table's SQL may join the good tables rendered before it.
GOOD_TABLE_SQL = {
    "booking.customers": customers_sql,
    "crm.leads": leads_sql,
    "booking.agreements": agreements_sql,
    "booking.orders": orders_sql,
    "booking.payments": payments_sql,
    "booking.invoices": invoices_sql,
    "booking.invoice_lines": invoice_lines_sql,
    "web.page_views": page_views_sql,
    "crm.activities": activities_sql,
    "web.form_submissions": form_submissions_sql,
    "crm.survey_responses": survey_responses_sql,
    "consent.consent_events": consent_events_sql,
    "consent.objections": objections_sql,
    "legal.legal_holds": legal_holds_sql,
}


def good_table_name(table: str) -> str:
    return "good_" + table.split(".")[1]


def typed_select(table: str, relation: str) -> str:
    """Every contract column of `relation`, cast to exactly the contract's type, in order."""
    columns = TABLES_BY_NAME[table].columns
    return "select " + ", ".join(f"cast({name} as {kind}) as {name}" for name, kind in columns) \
        + f" from ({relation})"


def render_table(con: duckdb.DuckDBPyConnection, table: str, plan: Plan) -> int:
    """Create `good_<table>` from the plan; return its row count."""
    name = good_table_name(table)
    con.execute(f"create or replace table {name} as {typed_select(table, GOOD_TABLE_SQL[table]())}")
    apply_hostile_text(con, table, plan)
    return con.execute(f"select count(*) from {name}").fetchall()[0][0]


def apply_hostile_text(con: duckdb.DuckDBPyConnection, table: str, plan: Plan) -> None:
    """Overwrite a few text cells with hostile-but-valid text (they stay good rows)."""
    updates: list[tuple[str, str, str, str]] = []  # (column, key column, key, text)
    hostile = plan.hostile
    if table == "booking.customers":
        for row, text in zip(hostile["customers_private"], vocab.HOSTILE_NAMES, strict=False):
            updates.append(("name", "customer_id", CUSTOMER % plan.customers["no"][row], text))
        for row, text in zip(hostile["customers_business"], vocab.HOSTILE_COMPANY_NAMES,
                             strict=False):
            updates.append(("name", "customer_id", CUSTOMER % plan.customers["no"][row], text))
    elif table == "crm.leads":
        for row, text in zip(hostile["leads"], vocab.HOSTILE_NAMES[:3], strict=False):
            updates.append(("name", "lead_id", LEAD % plan.leads["no"][row], text))
    elif table == "crm.activities":
        activity = fmt("crm.activities")
        for row, text in zip(hostile["activities"], vocab.HOSTILE_NOTES, strict=False):
            updates.append(("notes", "activity_id", activity % plan.activities["no"][row], text))
    elif table == "web.form_submissions":
        form = fmt("web.form_submissions")
        texts = [vocab.long_message(), vocab.HOSTILE_NOTES[1]]
        for row, text in zip(hostile["forms"], texts, strict=False):
            updates.append(("message", "submission_id", form % plan.forms["no"][row], text))
    elif table == "web.page_views":
        updates.extend(disguised_page_paths(con))
    for column, key_column, key, text in updates:
        con.execute(f"update {good_table_name(table)} set {column} = ? where {key_column} = ?",
                    [text, key])


def disguised_page_paths(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str]]:
    """The entry pages that become vocab.DISGUISED_PATHS: the first page view of the most recent
    logged-in sessions of private customers with a Swedish mobile number, one per path."""
    sessions = con.execute(f"""
        with entries as (
            select session_id, min(customer_id) as customer_id, min(event_id) as event_id,
                max(occurred_at) as last_seen
            from {good_table_name('web.page_views')}
            where customer_id is not null
            group by session_id
        )
        select e.event_id, c.customer_id, c.name, c.email, c.phone, c.personnummer,
            c.street_address,
            (select min(o.order_id) from {good_table_name('booking.orders')} as o
             where o.customer_id = c.customer_id) as order_id
        from entries as e
        join {good_table_name('booking.customers')} as c on c.customer_id = e.customer_id
        where c.personnummer is not null and c.email is not null
            and c.street_address is not null and c.phone like '+467%' and length(c.phone) = 12
        order by e.last_seen desc, e.session_id
        limit {len(vocab.DISGUISED_PATHS)}""").fetchall()
    updates = []
    for template, row in zip(vocab.DISGUISED_PATHS, sessions, strict=False):
        event_id, customer_id, name, email, phone, pnr, street, order_id = row
        values = disguised_path_values(customer_id, name, email, phone, pnr, street,
                                       order_id or customer_id)
        updates.append(("url_path", "event_id", event_id, template.format(**values)))
    return updates


def disguised_path_values(customer_id: str, name: str, email: str, phone: str, pnr: str,
                          street: str, order_id: str) -> dict[str, str]:
    """One customer's values as an attacker would write them into a URL."""
    digits = phone[3:]  # +46 7X XXX XX XX -> 7XXXXXXXX
    grouped = f"{digits[:2]} {digits[2:5]} {digits[5:7]} {digits[7:]}"
    return {
        "email_at": email.replace("@", "(at)"), "email_brackets": email.replace("@", " [at] "),
        "email_percent": email.replace("@", "%40"),
        "pnr": pnr, "pnr_space": pnr.replace("-", " "), "pnr_short": pnr[2:],
        "phone_plus46": f"+46 {digits[:2]}-{digits[2:5]} {digits[5:7]} {digits[7:]}",
        "phone_zero": f"+46 (0){grouped}", "phone_0046": "0046" + digits,
        "phone_national": "0" + digits, "landline": f"08-{digits[1:4]} {digits[4:7]} {digits[7:]}",
        "name": name, "street": street, "order": order_id, "customer": customer_id,
    }
