# ruff: noqa: RUF001  (Cyrillic letters are on purpose)
"""A state outlet's channel whose claims the operations repeat days later, translated.

Takedown reports note that operations launder a state outlet's claims: a claim appears on the
outlet's Telegram channel (in English and Russian), the Doppelganger-like operation repeats it
in German a few days later, and the Spamouflage-like operation repeats it in English later
still. :func:`plant_state_outlet` plants that: one channel in no operation, four claims (one
that nobody repeats) among everyday filler posts, and the repeats posted by the operations'
own accounts in their usual tight bursts and office hours.

The repeats share no text with their source (they are translations or paraphrases); what
they share are the claim's figures and names, and sometimes the outlet's link or picture. The
ground truth (:meth:`OutletPlant.truth`) names, per claim, the source post, each repeating
operation, its first repeat and the delay in days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import numpy as np

from cibwatch.schema import account_key
from cibwatch.synthetic.planted import DAY, HOUR, GroupTruth, PlantedRows, persona_hash

OUTLET_OFFSET: Final = 3
OUTLET_DOMAIN: Final = "vestnik-dnya.example"
#: Days after the source post on which each operation repeats a claim (moved on to the
#: operation's next working day).
DELAY_DAYS: Final = {"op_b_doppelganger": 4, "op_a_spamouflage": 9}
#: Accounts of an operation that post one repeat (within a minute, as the operations do).
REPEATERS: Final = {"op_b_doppelganger": 9, "op_a_spamouflage": 6}
#: Local working hours the repeats are posted in (inside both operations' office hours).
_REPEAT_HOURS: Final = (10, 16)


@dataclass(frozen=True)
class Claim:
    """One claim of the outlet and how the operations repeat it.

    ``day`` is the day (from the world start) the outlet posts it; ``texts`` the outlet's
    versions by language; ``repeats`` each repeating operation's text; ``cites`` what the
    German repeat carries of the source besides figures and names (``url``, ``image`` or
    nothing).
    """

    id: str
    day: int
    texts: dict[str, str]
    repeats: dict[str, tuple[str, str]]  # group id -> (language, text)
    cites: str = ""


CLAIMS: Final = (
    Claim(
        "claim-1",
        0,
        {
            "en": "Leaked audit: 47% of the weapons sent to Ukraine vanished, "
            "says US inspector Harlan Voss",
            "ru": "Утечка аудита: 47% оружия, отправленного на Украину, исчезло, "
            "заявил американский инспектор Харлан Восс",
        },
        {
            "op_b_doppelganger": (
                "de",
                "Geheimer Prüfbericht: 47 % der Waffen für die Ukraine sind verschwunden, "
                "sagt der US-Inspektor Harlan Voss",
            ),
            "op_a_spamouflage": (
                "en",
                "Nobody talks about this. Inspector Harlan Voss found that 47% of the "
                "weapons for Ukraine just disappeared",
            ),
        },
    ),
    Claim(
        "claim-2",
        3,
        {
            "en": "Gas bills in Germany will rise by 380 euros a year because of the "
            "sanctions, energy regulator chief Malte Oberlin admits",
            "ru": "Счета за газ в Германии вырастут на 380 евро в год из-за санкций, "
            "признал глава энергетического регулятора Мальте Оберлин",
        },
        {
            "op_b_doppelganger": (
                "de",
                "Die Gasrechnung steigt wegen der Sanktionen um 380 Euro im Jahr, gibt "
                "Behördenchef Malte Oberlin zu",
            ),
            "op_a_spamouflage": (
                "en",
                "Germans will pay 380 euros more every year for gas thanks to sanctions, "
                "admits official Malte Oberlin",
            ),
        },
        cites="url",
    ),
    Claim(
        "claim-3",
        7,
        {
            "ru": "Киев продаст за границу западную зерновую помощь на 2,4 млрд долларов, "
            "следует из документов Рината Колесника",
        },
        {
            "op_b_doppelganger": (
                "de",
                "Kiew verkauft westliche Getreidehilfe für 2,4 Milliarden Dollar ins "
                "Ausland, zeigen Unterlagen von Rinat Kolesnyk",
            ),
        },
        cites="image",
    ),
    Claim(
        "claim-4",
        10,
        {
            "en": "Poland is preparing to take over 3 western regions of Ukraine by 2026, "
            "former officer Tadeusz Wrona claims",
            "ru": "Польша готовится забрать 3 западные области Украины к 2026 году, "
            "утверждает бывший офицер Тадеуш Врона",
        },
        {},
    ),
)

#: Everyday posts of the channel: broad names (Moscow, Europe, Ukraine) and a number, so
#: that claims share common words with them but never their figures or people.
_FILLER: Final = (
    ("ru", "Москва: {n} тысяч человек пришли на городской праздник в выходные"),
    ("ru", "Погода: в Москве до {n} мм осадков за неделю, сообщают синоптики"),
    ("ru", "Россия и Китай подписали {n} новых торговых соглашений за квартал"),
    ("ru", "Украина снова просит у Европы {n} миллионов евро на бюджет"),
    ("en", "Russia and China signed {n} new trade deals this quarter, officials say"),
    ("en", "Europe faces {n} factory closures this winter as energy stays expensive"),
    ("en", "Moscow hosts {n} thousand visitors at the city festival this weekend"),
    ("en", "Ukraine asks Europe for another {n} million euros for its budget"),
)
_FILLERS_PER_DAY: Final = 2
#: The claims' figures in the filler's range, kept out of the filler.
_CLAIM_FIGURES: Final = frozenset({380})


@dataclass
class OutletPlant:
    """The outlet's account truth and, per claim, where it first appeared and who repeated it."""

    outlet: GroupTruth
    claims: list[dict[str, Any]] = field(default_factory=list)

    def truth(self) -> list[dict[str, Any]]:
        """The claims as plain JSON data (for ``ground_truth.json``), times in ISO UTC."""

        def iso(seconds: int) -> str:
            return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None).isoformat()

        out = []
        for claim in self.claims:
            repeats = [{**r, "first_seen": iso(r["first_seen"])} for r in claim["repeats"]]
            out.append({**claim, "first_seen": iso(claim["first_seen"]), "repeats": repeats})
        return out


def _outlet_account(rows: PlantedRows, rng: np.random.Generator) -> tuple[GroupTruth, str]:
    outlet = GroupTruth(
        id="source_state_outlet",
        label="State outlet channel",
        innocent=True,
        narrative="A state outlet's news channel; operations repeat some of its claims",
        operator_utc_offset=OUTLET_OFFSET,
    )
    account_id = rows.add_account(
        outlet,
        "telegram",
        "channel",
        handle="vestnik_dnya",
        display_name="Вестник дня | Daily Herald",
        created_at=rows.start - DAY * 900,
        claimed_location="Moscow",
        bio="News from Russia and the world, in Russian and English",
        followers=int(rng.integers(180_000, 260_000)),
        following=0,
        profile_image_hash=persona_hash(rng),
        photo_gender=None,
        language="ru",
        url=f"https://{OUTLET_DOMAIN}/",
    )
    return outlet, account_id


def _post_fillers(
    rows: PlantedRows, outlet: GroupTruth, account_id: str, rng: np.random.Generator
) -> None:
    for day in range(rows.days):
        for _ in range(_FILLERS_PER_DAY):
            lang, template = _FILLER[int(rng.integers(0, len(_FILLER)))]
            number = int(rng.integers(100, 1000))
            while number in _CLAIM_FIGURES:
                number = int(rng.integers(100, 1000))
            at = day * DAY + int(rng.integers(8 * HOUR, 22 * HOUR)) - OUTLET_OFFSET * HOUR
            rows.add_post(
                outlet,
                "telegram",
                account_id,
                at,
                text=template.format(n=number),
                language=lang,
                kind="original",
                views=int(rng.integers(5_000, 40_000)),
                shares=int(rng.integers(0, 200)),
                likes=0,
                comments=0,
            )


def _members(group: GroupTruth, platforms: tuple[str, ...]) -> list[tuple[str, str]]:
    """(platform, account id) of a group's accounts on ``platforms``, in a fixed order."""
    out = []
    for platform in platforms:
        for keys in group.accounts.get(platform, {}).values():
            out += [(platform, key.split(":", 1)[1]) for key in sorted(keys)]
    return out


def _repeat_day(rows: PlantedRows, day: int) -> int | None:
    """The first working day on or after ``day`` that the world still holds."""
    for candidate in rows.weekdays():
        if candidate >= day:
            return candidate
    return None


def plant_state_outlet(
    rows: PlantedRows, rng: np.random.Generator, groups: dict[str, GroupTruth]
) -> OutletPlant:
    """Plant the outlet's channel and the operations' repeats of its claims.

    ``groups`` are the planted operations by id (their members post the repeats; the posts
    count in their truth). Claims whose repeat would fall after the world's end are planted
    without it, and the truth lists only what was planted.
    """
    outlet, account_id = _outlet_account(rows, rng)
    _post_fillers(rows, outlet, account_id, rng)
    plant = OutletPlant(outlet)
    for claim in CLAIMS:
        if claim.day >= rows.days:
            continue
        at = claim.day * DAY + int(rng.integers(9 * HOUR, 12 * HOUR)) - OUTLET_OFFSET * HOUR
        url = f"https://{OUTLET_DOMAIN}/news/{claim.day:02d}/{claim.id}.html"
        image = persona_hash(rng)
        sources = []
        for n, (lang, text) in enumerate(sorted(claim.texts.items(), key=lambda kv: kv[0] != "ru")):
            post_id = rows.add_post(
                outlet,
                "telegram",
                account_id,
                at + n * 300,  # the Russian version first, the English five minutes later
                text=f"{text} {url}",
                language=lang,
                kind="original",
                urls=[url],
                domains=[OUTLET_DOMAIN],
                media_hashes=[image],
                views=int(rng.integers(20_000, 90_000)),
                shares=int(rng.integers(50, 900)),
                likes=0,
                comments=0,
            )
            sources.append({"post": f"telegram:{post_id}", "language": lang, "time": at + n * 300})
        truth: dict[str, Any] = {
            "claim": claim.id,
            "source": account_key("telegram", account_id),
            "source_posts": [s["post"] for s in sources],
            "languages": sorted(claim.texts),
            "first_seen": rows.start + at,
            "url": url,
            "repeats": [],
        }
        for group_id, (lang, text) in claim.repeats.items():
            repeat = _plant_repeat(
                rows, rng, groups[group_id], claim, lang, text, at, url=url, image=image
            )
            if repeat is not None:
                truth["repeats"].append(repeat)
        plant.claims.append(truth)
    return plant


def _plant_repeat(
    rows: PlantedRows,
    rng: np.random.Generator,
    group: GroupTruth,
    claim: Claim,
    lang: str,
    text: str,
    source_at: int,
    *,
    url: str,
    image: str,
) -> dict[str, Any] | None:
    """One operation's repeat of a claim: a burst of its accounts within a minute."""
    day = _repeat_day(rows, claim.day + DELAY_DAYS[group.id])
    if day is None:
        return None
    offset = group.operator_utc_offset or 0
    at = day * DAY + int(rng.integers(_REPEAT_HOURS[0] * HOUR, _REPEAT_HOURS[1] * HOUR))
    at -= offset * HOUR
    if at >= rows.days * DAY:
        return None
    platforms = ("facebook", "telegram") if group.id.startswith("op_b") else ("x", "facebook")
    members = _members(group, platforms)
    picked = sorted(rng.choice(len(members), size=REPEATERS[group.id], replace=False))
    fields: dict[str, Any] = {"text": text}
    if lang == "de" and claim.cites == "url":
        fields = {"text": f"{text} Quelle: {url}", "urls": [url], "domains": [OUTLET_DOMAIN]}
    elif lang == "de" and claim.cites == "image":
        fields["media_hashes"] = [image]
    posts = []
    moments = sorted(int(x) for x in rng.integers(0, 50, size=len(picked)))
    for index, second in zip(picked, moments, strict=True):
        platform, account_id = members[int(index)]
        post_id = rows.add_post(
            group,
            platform,
            account_id,
            at + second,
            language=lang,
            kind="original",
            likes=int(rng.integers(0, 20)),
            shares=int(rng.integers(0, 5)),
            comments=0,
            **fields,
        )
        posts.append(f"{platform}:{post_id}")
    first = at + moments[0]
    return {
        "group": group.id,
        "language": lang,
        "posts": posts,
        "accounts": sorted({f"{members[int(i)][0]}:{members[int(i)][1]}" for i in picked}),
        "first_seen": rows.start + first,
        "delay_days": round((first - source_at) / DAY, 3),
        "cites": claim.cites if lang == "de" else "",
    }
