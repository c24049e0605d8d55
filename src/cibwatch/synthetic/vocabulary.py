# ruff: noqa: RUF001  (Cyrillic, Chinese and Arabic letters are on purpose)
"""Word lists the synthetic world draws from: names, places, news sites, hashtags, phrases.

Kept as plain tuples so the generators can turn them into Arrow arrays once and pick from
them with vectorised ``take``. Everything here is invented or generic; the news domains are
real outlets because look-alike detection needs real brands to imitate.
"""

from __future__ import annotations

from typing import Final

#: Languages of organic users, in code order (the generators store languages as codes).
LANGUAGES: Final = ("en", "de", "ru", "zh", "es")

#: Organic time zones (UTC offsets in hours) with relative weights and a city for each.
TIME_ZONES: Final[tuple[tuple[int, float, str], ...]] = (
    (-8, 0.10, "Los Angeles, CA"),
    (-7, 0.04, "Denver, CO"),
    (-6, 0.07, "Chicago, IL"),
    (-5, 0.14, "New York, NY"),
    (-3, 0.04, "Buenos Aires"),
    (0, 0.12, "London"),
    (1, 0.18, "Berlin"),
    (2, 0.05, "Kyiv"),
    (3, 0.10, "Moscow"),
    (5, 0.02, "Tashkent"),
    (8, 0.10, "Taipei"),
    (9, 0.04, "Tokyo"),
)

#: Per time zone (same order as TIME_ZONES), the chance of each language in LANGUAGES.
LANGUAGE_MIX: Final[tuple[tuple[float, float, float, float, float], ...]] = (
    (0.80, 0.00, 0.00, 0.02, 0.18),
    (0.85, 0.00, 0.00, 0.00, 0.15),
    (0.80, 0.00, 0.00, 0.00, 0.20),
    (0.85, 0.02, 0.03, 0.02, 0.08),
    (0.10, 0.00, 0.00, 0.00, 0.90),
    (0.90, 0.03, 0.03, 0.01, 0.03),
    (0.25, 0.70, 0.02, 0.00, 0.03),
    (0.15, 0.05, 0.80, 0.00, 0.00),
    (0.10, 0.00, 0.90, 0.00, 0.00),
    (0.10, 0.00, 0.90, 0.00, 0.00),
    (0.15, 0.00, 0.00, 0.85, 0.00),
    (0.40, 0.00, 0.00, 0.60, 0.00),
)

#: Platforms of organic users with their share of accounts, in code order.
PLATFORMS: Final = ("x", "facebook", "instagram", "telegram")
PLATFORM_WEIGHTS: Final = (0.40, 0.30, 0.20, 0.10)
#: Account kind of an ordinary poster on each platform.
PLATFORM_KIND: Final = ("account", "account", "account", "channel")

FIRST_NAMES_FEMALE: Final[dict[str, tuple[str, ...]]] = {
    "en": ("Emily", "Jessica", "Sarah", "Ashley", "Megan", "Lauren", "Rachel", "Hannah"),
    "de": ("Anna", "Laura", "Julia", "Lena", "Sophie", "Katrin", "Miriam", "Jana"),
    "ru": ("Olga", "Natalia", "Irina", "Anastasia", "Elena", "Daria", "Yulia", "Vera"),
    "zh": (
        "Li Na",
        "Wang Fang",
        "Zhang Min",
        "Liu Yang",
        "Chen Jing",
        "Yang Xue",
        "Zhao Li",
        "Huang Mei",
    ),
    "es": ("Lucia", "Maria", "Sofia", "Valentina", "Camila", "Paula", "Elena", "Carmen"),
}
FIRST_NAMES_MALE: Final[dict[str, tuple[str, ...]]] = {
    "en": ("Michael", "James", "David", "Ryan", "Kevin", "Jason", "Brian", "Tyler"),
    "de": ("Lukas", "Jonas", "Felix", "Tobias", "Stefan", "Markus", "Jan", "Florian"),
    "ru": ("Dmitry", "Sergei", "Alexei", "Ivan", "Mikhail", "Pavel", "Nikolai", "Oleg"),
    "zh": (
        "Wang Wei",
        "Li Qiang",
        "Zhang Lei",
        "Liu Bo",
        "Chen Hao",
        "Yang Jun",
        "Zhao Gang",
        "Wu Tao",
    ),
    "es": ("Carlos", "Javier", "Diego", "Pablo", "Andres", "Miguel", "Luis", "Mateo"),
}
SURNAMES: Final[dict[str, tuple[str, ...]]] = {
    "en": ("Smith", "Johnson", "Miller", "Davis", "Brown", "Wilson", "Taylor", "Anderson"),
    "de": ("Muller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Wagner", "Hoffmann"),
    "ru": (
        "Ivanova",
        "Smirnova",
        "Kuznetsova",
        "Popova",
        "Sokolova",
        "Volkova",
        "Orlova",
        "Morozova",
    ),
    "zh": ("", "", "", "", "", "", "", ""),
    "es": ("Garcia", "Martinez", "Lopez", "Sanchez", "Perez", "Gomez", "Fernandez", "Diaz"),
}

#: Real news outlets organic users link to, with Zipf-like popularity in this order.
NEWS_DOMAINS: Final = (
    "nytimes.com",
    "bbc.co.uk",
    "theguardian.com",
    "spiegel.de",
    "cnn.com",
    "bild.de",
    "reuters.com",
    "washingtonpost.com",
    "welt.de",
    "zeit.de",
    "elpais.com",
    "lemonde.fr",
    "rbc.ru",
    "scmp.com",
    "apnews.com",
    "faz.net",
    "npr.org",
    "aljazeera.com",
    "elmundo.es",
    "tagesschau.de",
)
NEWS_SECTIONS: Final = ("politics", "world", "business", "sport", "culture", "science", "tech")

#: Everyday hashtags per language (Zipf-like popularity in this order).
HASHTAGS: Final[dict[str, tuple[str, ...]]] = {
    "en": (
        "#news",
        "#breaking",
        "#monday",
        "#music",
        "#football",
        "#weather",
        "#tech",
        "#election",
        "#travel",
        "#food",
        "#nba",
        "#climate",
    ),
    "de": (
        "#nachrichten",
        "#bundesliga",
        "#berlin",
        "#wetter",
        "#politik",
        "#bahn",
        "#tatort",
        "#klima",
    ),
    "ru": ("#новости", "#москва", "#футбол", "#погода", "#музыка", "#кино"),
    "zh": ("#新闻", "#台北", "#音乐", "#美食", "#旅行", "#科技"),
    "es": ("#noticias", "#futbol", "#madrid", "#musica", "#viajes", "#clima"),
}

#: Openers and topics per language; an organic text is opener + topic (+ url, hashtags).
OPENERS: Final[dict[str, tuple[str, ...]]] = {
    "en": (
        "Honestly,",
        "Just read this:",
        "Can't believe",
        "Interesting take:",
        "Morning!",
        "Quick thought:",
        "Worth reading:",
        "So tired of",
        "Great day,",
        "Wow,",
    ),
    "de": (
        "Ehrlich gesagt",
        "Gerade gelesen:",
        "Unglaublich,",
        "Spannend:",
        "Guten Morgen!",
        "Kurz notiert:",
        "Lesenswert:",
        "Schon wieder",
        "Schöner Tag,",
        "Krass,",
    ),
    "ru": (
        "Честно говоря,",
        "Только что прочитал:",
        "Не верится,",
        "Интересно:",
        "Доброе утро!",
        "Коротко:",
        "Стоит прочитать:",
        "Опять",
        "Отличный день,",
        "Ого,",
    ),
    "zh": (
        "说实话，",
        "刚看到：",
        "难以置信，",
        "有意思：",
        "早上好！",
        "随便说说：",
        "值得一读：",
        "又是",
        "今天不错，",
        "哇，",
    ),
    "es": (
        "Sinceramente,",
        "Acabo de leer:",
        "No puedo creer",
        "Interesante:",
        "¡Buenos días!",
        "Una idea:",
        "Vale la pena:",
        "Otra vez",
        "Gran día,",
        "Vaya,",
    ),
}
TOPICS: Final[dict[str, tuple[str, ...]]] = {
    "en": (
        "the traffic downtown today",
        "this new phone update",
        "the game last night",
        "prices at the grocery store",
        "the rain again",
        "my commute",
        "the new album",
        "the city council meeting",
        "school starting early",
        "the weekend plans",
    ),
    "de": (
        "der Verkehr heute",
        "das neue Update",
        "das Spiel gestern",
        "die Preise im Laden",
        "der Regen",
        "die Bahn mal wieder",
        "das neue Album",
        "die Stadtratssitzung",
        "der Schulbeginn",
        "das Wochenende",
    ),
    "ru": (
        "пробки сегодня",
        "новое обновление",
        "вчерашний матч",
        "цены в магазине",
        "опять дождь",
        "дорога на работу",
        "новый альбом",
        "заседание думы",
        "начало учебы",
        "планы на выходные",
    ),
    "zh": (
        "今天的交通",
        "新的系统更新",
        "昨晚的比赛",
        "超市的价格",
        "又下雨了",
        "上班路上",
        "新专辑",
        "议会开会",
        "开学",
        "周末计划",
    ),
    "es": (
        "el tráfico de hoy",
        "la nueva actualización",
        "el partido de anoche",
        "los precios del súper",
        "la lluvia otra vez",
        "el metro",
        "el nuevo disco",
        "el pleno municipal",
        "la vuelta al cole",
        "el fin de semana",
    ),
}

#: Strings that downstream code must escape, planted in a few organic texts.
HOSTILE_TEXTS: Final = (
    "<script>alert(1)</script> look at this",
    '=HYPERLINK("http://evil.example/x","click")',
    "\u202eoh no, reversed text\u202c with an RTL override",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "'; DROP TABLE posts; -- just kidding",
    "line one\nline two\r\nand a tab\there \u0000 null",
    "<img src=x onerror=alert('x')> & \"quotes\"",
    "\u200fمرحبا\u200f mixed direction שלום",
)

#: US cities op (a) personas claim to live in.
US_CITIES: Final = (
    "Houston, TX",
    "Phoenix, AZ",
    "Columbus, OH",
    "Atlanta, GA",
    "Denver, CO",
    "Dallas, TX",
    "Seattle, WA",
    "Miami, FL",
    "Nashville, TN",
    "Charlotte, NC",
    "Detroit, MI",
    "Portland, OR",
)
