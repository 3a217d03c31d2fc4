"""Word lists and text templates that make the synthetic data look Swedish.

Everything here is plain data. The generator draws indices into these lists with NumPy and DuckDB
looks the words up, so a list can grow without touching the code. Templates use `{name}`,
`{first}`, `{city}`, `{city2}`, `{n}`, `{email}`, `{phone}`, `{pnr}`, `{order}` placeholders.
"""

from __future__ import annotations

FIRST_NAMES = [
    "Åsa", "Björn", "Märta", "Jörgen", "Zoë", "Anna", "Erik", "Maria", "Lars", "Karin", "Anders",
    "Eva", "Johan", "Kristina", "Per", "Lena", "Mikael", "Kerstin", "Karl", "Ingrid", "Göran",
    "Birgitta", "Nils", "Marie", "Sören", "Ulla", "Håkan", "Elisabeth", "Linnéa", "André",
    "Agneta", "Stefan", "Maja", "Oscar", "Elsa", "Hugo", "Astrid", "Lukas", "Saga", "Oskar",
    "Ebba", "Måns", "Signe", "Tove", "Örjan", "Gösta", "Solveig", "Sixten", "Ylva", "Åke",
    "Ragnhild", "Torbjörn", "Mohammed", "Fatima", "Ali", "Amira", "Nguyen", "Aleksandra",
    "Dragan", "Leyla", "Anna-Karin", "Per-Olof", "Jonas", "Sofia", "Emil", "Ida", "Alexander",
    "Wilma", "Filip", "Alice", "Viktor", "Freja", "René", "Noël", "Chloé", "Göte", "Bodil",
    "Stig", "Gunnel", "Åsmund",
]

LAST_NAMES = [
    "Öberg", "Ström", "Lindqvist", "Åkesson", "Andersson", "Johansson", "Karlsson", "Nilsson",
    "Eriksson", "Larsson", "Olsson", "Persson", "Svensson", "Gustafsson", "Pettersson", "Jönsson",
    "Jansson", "Hansson", "Bengtsson", "Lindberg", "Jakobsson", "Magnusson", "Lindström",
    "Olofsson", "Lindgren", "Axelsson", "Berg", "Bergström", "Lundberg", "Lundgren", "Lind",
    "Mattsson", "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Forsberg", "Sjöberg",
    "Wallin", "Engström", "Eklund", "Danielsson", "Lundin", "Håkansson", "Björk", "Bergman",
    "Gunnarsson", "Holm", "Wikström", "Samuelsson", "Isaksson", "Fransson", "Bergqvist",
    "Nyström", "Holmberg", "Arvidsson", "Löfgren", "Söderberg", "Nyberg", "Blomqvist",
    "Claesson", "Nordström", "Mårtensson", "Lundström", "Åberg", "Ekström", "Hedlund",
    "Dahlberg", "Hellström", "Sjögren", "Öhman", "Åström", "Strömberg", "Ågren", "Björklund",
    "Börjesson", "Sköld", "Hägg", "Ali", "Mohammed", "Hussein", "Nguyen", "Kovačević", "Yılmaz",
    "Nieminen", "Müller", "Ødegård", "Stålhammar", "Zetterlund", "Fältskog",
]

# (country, city, lowest postal code, highest postal code, relative weight). Swedish codes are
# five digits written `NNN NN`; the others are written in their own country's form.
PLACES = [
    ("SE", "Stockholm", 11100, 12999, 30), ("SE", "Göteborg", 41100, 42699, 16),
    ("SE", "Malmö", 21100, 21899, 10), ("SE", "Uppsala", 75100, 75799, 6),
    ("SE", "Västerås", 72100, 72599, 4), ("SE", "Örebro", 70200, 70399, 4),
    ("SE", "Linköping", 58100, 58999, 4), ("SE", "Helsingborg", 25200, 25699, 4),
    ("SE", "Jönköping", 55300, 55699, 4), ("SE", "Norrköping", 60200, 60599, 4),
    ("SE", "Lund", 22200, 22799, 3), ("SE", "Umeå", 90300, 90799, 3),
    ("SE", "Gävle", 80200, 80699, 3), ("SE", "Borås", 50300, 50799, 3),
    ("SE", "Södertälje", 15100, 15299, 2), ("SE", "Eskilstuna", 63200, 63599, 2),
    ("SE", "Karlstad", 65200, 65699, 2), ("SE", "Täby", 18300, 18799, 2),
    ("SE", "Växjö", 35200, 35599, 2), ("SE", "Halmstad", 30200, 30299, 2),
    ("SE", "Luleå", 97200, 97599, 2), ("SE", "Sundsvall", 85200, 85699, 2),
    ("SE", "Östersund", 83100, 83199, 1), ("SE", "Kiruna", 98100, 98199, 1),
    ("SE", "Trollhättan", 46100, 46199, 1), ("SE", "Kalmar", 39200, 39299, 1),
    ("SE", "Falun", 79100, 79199, 1), ("SE", "Skövde", 54100, 54199, 1),
    ("SE", "Karlskrona", 37100, 37199, 1), ("SE", "Visby", 62100, 62199, 1),
    ("SE", "Nacka", 13100, 13199, 2), ("SE", "Solna", 16900, 17199, 2),
    ("SE", "Sollentuna", 19100, 19299, 1), ("SE", "Mölndal", 43100, 43199, 1),
    ("SE", "Ängelholm", 26200, 26299, 1), ("SE", "Åre", 83013, 83013, 1),
    ("NO", "Oslo", 150, 1295, 3), ("NO", "Bergen", 5003, 5099, 1),
    ("NO", "Trondheim", 7010, 7099, 1), ("DK", "København", 1050, 2450, 3),
    ("DK", "Aarhus", 8000, 8270, 1), ("DK", "Odense", 5000, 5270, 1),
    ("FI", "Helsinki", 100, 990, 3), ("FI", "Espoo", 2100, 2980, 1),
    ("FI", "Tampere", 33100, 33900, 1), ("DE", "Berlin", 10115, 14199, 3),
    ("DE", "Hamburg", 20095, 22769, 2), ("DE", "München", 80331, 81929, 1),
]

FOREIGN_COUNTRIES = ["NO", "DK", "FI", "DE"]

# Mobile phone prefixes per country (E.164) and how many subscriber digits follow them.
PHONE_FORMS = {"SE": ("+467", 8), "NO": ("+474", 7), "DK": ("+452", 7), "FI": ("+35840", 7),
               "DE": ("+49151", 8)}

SWEDISH_STREETS = [
    "Storgatan", "Drottninggatan", "Kungsgatan", "Vasagatan", "Sveavägen", "Götgatan",
    "Hornsgatan", "Järnvägsgatan", "Skolgatan", "Kyrkogatan", "Ringvägen", "Industrivägen",
    "Åsögatan", "Södra Förstadsgatan", "Östra Hamngatan", "Björkvägen", "Lärkvägen", "Ekvägen",
    "Tallvägen", "Mossvägen", "Långgatan", "Nygatan", "Stationsgatan", "Hamngatan", "Allégatan",
    "Fabriksgatan", "Sjögatan", "Strandvägen", "Sågverksgatan", "Västra Vägen", "Älvgatan",
    "Övre Husargatan", "Sankt Eriksgatan", "Karlavägen", "Folkungagatan", "Ölandsgatan",
]

FOREIGN_STREETS = {
    "NO": ["Storgata", "Karl Johans gate", "Bygdøy allé", "Thereses gate"],
    "DK": ["Nørregade", "Østerbrogade", "Vesterbrogade", "Åboulevard"],
    "FI": ["Mannerheimintie", "Hämeenkatu", "Aleksanterinkatu", "Itäväylä"],
    "DE": ["Hauptstraße", "Schönhauser Allee", "Mönckebergstraße", "Königstraße"],
}

PRIVATE_EMAIL_DOMAINS = [
    "gmail.com", "hotmail.com", "outlook.com", "telia.com", "icloud.com", "live.se", "yahoo.se",
    "bredband2.com", "spray.se", "comhem.se",
]

COMPANY_WORDS = [
    "Bygg", "Åkeri", "Elektronik", "Blommor", "Tandvård", "Konsult", "Media", "Logistik",
    "Trädgård", "Möbler", "Redovisning", "Fastigheter", "Mekaniska Verkstad", "Design", "Livs",
    "Data", "Kemi", "Textil", "Catering", "Måleri", "Rör", "Optik", "Kök & Bad", "Sjöfart",
    "Glas", "Juridik", "Bageri", "Reservdelar", "Labb", "Städ",
]

COMPANY_PREFIXES = ["Nordisk", "Svensk", "Norrlands", "Västkustens", "Skånes", "Mälardalens",
                    "Öresunds", "Bergslagens", "Smålands", "Gotlands"]

# Legal forms: suffix written after the company name.
LEGAL_FORM_SUFFIXES = ["AB", "Handelsbolag", "Ekonomisk förening"]

SOLE_TRADER_TRADES = ["Åkeri", "Bud & Transport", "Måleri", "Bygg", "Konsult", "Hantverk",
                      "Foto", "Städservice", "Trädgårdstjänst", "Redovisning"]

USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.6367.82 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/123.0.6312.99 Mobile Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/16.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
]

OWN_PATHS = [
    "/", "/boka", "/boka/express", "/boka/samma-dag", "/boka/nasta-dag", "/priser",
    "/tjanster/express", "/tjanster/samma-dag", "/tjanster/nasta-dag", "/tjanster/flygfrakt",
    "/spara-sandning", "/mina-sidor", "/mina-sidor/ordrar", "/mina-sidor/fakturor", "/kontakt",
    "/om-oss", "/foretag/ramavtal", "/kundservice/vanliga-fragor", "/logga-in", "/karriar",
    "/nyheter/ny-terminal-i-goteborg", "/sok?q=pall+till+ume%C3%A5",
    "/priser?fran=114+51&till=411+14",
    "/kontakt?amne=reklamation", "/boka?tjanst=express&vikt=12",
]

# Page paths an attacker (or a careless link) writes personal data into, each planted on the
# entry page of one logged-in session of a private customer, filled with that customer's own
# values: the warehouse must publish them as a route of the site or `other` (issue 12), and its
# leak scan must know every disguise. Placeholders: see render.disguised_path_values().
DISGUISED_PATHS = [
    "/kontakt/{email_at}", "/kontakt/{email_brackets}", "/kontakt/{email_percent}",
    "/kund/{pnr_space}", "/kund/{pnr_short}", "/ring/{phone_plus46}", "/ring/{phone_zero}",
    "/ring/{phone_0046}", "/ring/{landline}", "/leverans/{name}, {street}",
    "/mina-sidor/ordrar/{order}", "/mina-sidor/{customer}/ordrar",
    "/a\n{pnr} ring {phone_national}",
]

PARTNER_PATHS = [
    "/partner/checkout/frakt", "/partner/widget/sparning", "/partner/checkout/frakt?butik=4711",
    "/partner/retur", "/partner/widget/pris?postnr=41114",
]

REFERRERS = [
    "https://www.google.com/", "https://www.google.se/", "https://www.bing.com/",
    "https://duckduckgo.com/", "https://www.facebook.com/", "https://www.linkedin.com/",
    "https://www.instagram.com/", "https://www.blocket.se/", "https://www.tradera.com/",
    "https://mail.google.com/", "android-app://com.google.android.gm/",
]

OWN_SITE = "https://www.expressbud.se"

CAMPAIGNS = ["nyhetsbrev", "var-kampanj", "black-week", "julpaket", "foretag-ramavtal"]

ACTIVITY_NOTES_CUSTOMER = [
    "Ringde {name} om offert för expressleveranser {city}–{city2}. Återkommer nästa vecka.",
    "Möte med {name} på kontoret i {city}. Intresserad av ramavtal, ca {n} sändningar/månad.",
    "Skickade prislista till {email}.",
    "{name} klagade på försenad leverans, lovade kompensation på nästa faktura.",
    "Uppföljning: kunden vill ha fakturan via e-post i stället för post.",
    "Lämnade röstmeddelande, nytt försök på {phone} i morgon.",
    "Kunden nöjd med samma dag-tjänsten. Diskuterade flygfrakt till Luleå.",
    "Kunden verifierad med personnummer {pnr} inför ändring av adress.",
    "Genomgång av säsongsvolymer inför julen, {n} extra bud per vecka.",
    "Mejlade {first} bekräftelse på nya priser från 1 januari.",
    "Ringde om obetald faktura, {name} lovar betala inom 10 dagar.",
    "Möte i {city2}: demonstration av spårningen i Mina sidor.",
]

ACTIVITY_NOTES_LEAD = [
    "Kallt samtal till {name}, bad om att få återkomma efter sommaren.",
    "Träffade {name} på mässan i {city}. Vill ha offert på {n} pallar i veckan.",
    "Skickade presentation och prislista till {email}.",
    "Lämnade meddelande på {phone}.",
    "{first} tipsad av befintlig kund, bokat möte i {city2}.",
    "Uppföljning efter webbformulär: behöver bud mellan {city} och {city2}.",
    "Ej intresserad just nu, har avtal med konkurrent till årsskiftet.",
]

FORM_MESSAGES = {
    "contact": [
        "Hej! Jag undrar var mitt paket är, ordernummer {order}. Mvh {first}",
        "Kan ni ringa mig på {phone}? Gäller en reklamation. /{first}",
        "Vi vill diskutera ett ramavtal för transporter mellan {city} och {city2}.",
        "Hej, fakturan stämmer inte. Skicka en ny till {email}, tack!",
        "Budet lämnade paketet hos grannen utan att fråga. Inte okej.",
    ],
    "quote": [
        "Offertförfrågan: {n} pallar från {city} till {city2}, hämtning på torsdag.",
        "Vad kostar samma dag-bud Stockholm–Uppsala för ett kuvert? Svara till {email}.",
        "Behöver flygfrakt {city}–Kiruna, ca {n} kg, så snart som möjligt.",
        "Pris på regelbundna bud två gånger i veckan? Nå mig på {phone}.",
    ],
    "newsletter": [
        "Prenumerera gärna på nyhetsbrevet.",
        "Skicka erbjudanden till {email}.",
    ],
    "post_meeting_survey": [
        "Bra möte, tydlig genomgång av priserna. Betyg 4/5.",
        "Säljaren var påläst. Vi återkommer om ramavtalet.",
        "För lite tid för frågor, men bra information.",
        "Mycket nöjd, tack {first}!",
    ],
}

SURVEY_COMMENTS = {
    "promoter": [
        "Snabb och trevlig leverans!", "Budet var på plats innan utsatt tid, toppen.",
        "Alltid pålitliga, rekommenderar er varmt.", "Smidig bokning och bra spårning.",
        "Fantastisk service 👍",
    ],
    "passive": [
        "Bra, men lite dyrt.", "Leveransen kom i tid men föraren var stressad.",
        "Okej, inget särskilt.", "Spårningen uppdaterades sent.",
    ],
    "detractor": [
        "Paketet kom en dag för sent och ingen hörde av sig.", "Svårt att nå kundtjänst.",
        "Fakturan var fel, fick ringa tre gånger.", "Kartongen var trasig vid leverans.",
    ],
}

# Valid but hostile text: quotes, SQL fragments, right-to-left marks, emoji, other scripts.
# They must build like any other row; the warehouse may not choke on them or treat them as bad.
HOSTILE_NAMES = [
    "Seán O'Brien",
    "Anna \"Citat\" Berg",
    "Robert'); DROP TABLE customers; --",
    "\u200fعلي حسن\u200f",
    "Zoë 🚚 Ek",
    "Märta-Lisa Ström-Åkesson",
    "王 芳",
    "Ólafur Þórðarson",
]

HOSTILE_COMPANY_NAMES = [
    "Malmö Frakt HB'; drop table customers; --",
    "\"Bästa\" Budet i Norr AB",
    "Åkeri & Söner 🚛 AB",
]

HOSTILE_NOTES = [
    "Kunden sa: \"ring aldrig före 9\". O'Brien-ärendet stängt.",
    "'; drop table activities; --",
    "Anteckning med höger-till-vänster\u200f-tecken \u200fمرحبا\u200f och emoji 📦🚚✅",
    "Rad ett\nRad två\tmed tabb",
]


def long_message() -> str:
    """A 10,000-character message: free text must survive any length."""
    sentence = "Hej! Vi har många frågor om leveranser, priser och avtal 📦 – åäö ÅÄÖ é. "
    text = sentence * (10_000 // len(sentence) + 1)
    return text[:10_000]
