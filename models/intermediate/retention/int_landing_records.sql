{#
    Every accepted landing record with the subject it is about and the day it happened: the unit
    the erasure queue and the retention forecast count. A record's subject is the customer or lead
    it names; otherwise its anonymous visitor. The tables and their subject, date and invoice
    columns come from the sources' declarations (meta), see macros/landing/landing_records.sql.
#}
{{ landing_records() }}
