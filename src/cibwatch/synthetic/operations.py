"""The two planted influence operations, modelled on public takedown reports.

* :func:`plant_spamouflage` - fake American personas run from UTC+8 office hours, posting on
  both sides of divisive issues, copy-pasting texts and petition links in bursts.
* :func:`plant_doppelganger` - look-alike and generated news domains pushed by Facebook
  accounts, pages (with ads), a group, Instagram, Telegram channels and X, from UTC+3.
  Most of its Instagram accounts never post; each profile links one of the operation's
  Facebook personas (``url``), the only trace that ties a silent account to the rest.

Both co-act in tight bursts (seconds apart) many times over the weeks; that repetition is
what separates them from the innocent coordination in :mod:`cibwatch.synthetic.innocent`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cibwatch.synthetic import vocabulary as voc
from cibwatch.synthetic.planted import (
    DAY,
    GroupTruth,
    PlantedRows,
    office_moment,
    persona_hash,
)

SPAMOUFLAGE_OFFSET = 8
#: Local hours the Spamouflage-like operators work, with a lunch dip at 12:00.
SPAMOUFLAGE_HOURS = {9: 1.0, 10: 1.0, 11: 1.0, 12: 0.1, 13: 1.0, 14: 1.0, 15: 1.0, 16: 1.0}
DOPPELGANGER_OFFSET = 3
DOPPELGANGER_HOURS = {
    9: 1.0,
    10: 1.0,
    11: 1.0,
    12: 0.6,
    13: 0.4,
    14: 1.0,
    15: 1.0,
    16: 1.0,
    17: 0.8,
}

_WEDGE_POSTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("abortion", "pro"): (
        "Every life matters. Stand up for the unborn #prolife",
        "Life begins at conception. Protect the babies #prolife #savelives",
    ),
    ("abortion", "anti"): (
        "My body, my choice. Keep abortion legal #prochoice",
        "Women deserve the right to choose. Hands off our bodies #prochoice #roevwade",
    ),
    ("guns", "pro"): (
        "Our right to bear arms shall not be infringed #2a",
        "Law-abiding citizens need guns to protect their families #2a #secondamendment",
    ),
    ("guns", "anti"): (
        "Enough is enough. Ban assault weapons now #guncontrol",
        "How many more children must die? Background checks now #guncontrol #endgunviolence",
    ),
}
_PETITIONS: dict[tuple[str, str], str] = {
    ("abortion", "pro"): "https://www.change.org/p/protect-the-unborn-now",
    ("abortion", "anti"): "https://www.change.org/p/keep-abortion-safe-and-legal",
    ("guns", "pro"): "https://www.change.org/p/defend-the-second-amendment",
    ("guns", "anti"): "https://www.change.org/p/ban-assault-weapons-today",
}
_EDITS = ("", "!", "!!", " 🇺🇸", ".", " Please share.", " RT if you agree", " 🙏")


def _hashtags(text: str) -> list[str]:
    return [w.rstrip(".,!") for w in text.split() if w.startswith("#")]


def _edited(rng: np.random.Generator, text: str) -> str:
    """Copy-paste with a small edit, as operators do to dodge exact-duplicate filters."""
    edit = _EDITS[int(rng.integers(0, len(_EDITS)))]
    return text + edit if not text.endswith(edit) else text


def plant_spamouflage(rows: PlantedRows, rng: np.random.Generator) -> GroupTruth:
    """Plant the Spamouflage-like operation (a): 40 X/Facebook personas, UTC+8 office hours."""
    truth = GroupTruth(
        id="op_a_spamouflage",
        label="Spamouflage-like",
        innocent=False,
        narrative="US wedge issues on both sides: abortion and gun control",
        operator_utc_offset=SPAMOUFLAGE_OFFSET,
    )
    shared_faces = [persona_hash(rng) for _ in range(4)]
    members: list[tuple[str, str]] = []
    for i in range(40):
        platform = "x" if i < 28 else "facebook"
        first = voc.FIRST_NAMES_FEMALE["en"][int(rng.integers(0, 8))]
        surname = voc.SURNAMES["en"][int(rng.integers(0, 8))]
        face = shared_faces[i % 4] if i < 12 else persona_hash(rng)
        account_id = rows.add_account(
            truth,
            platform,
            "account",
            handle=f"{first.lower()}{int(rng.integers(10_000, 99_999))}",
            display_name=f"{first} {surname}",
            created_at=rows.start - DAY * (50 + int(rng.integers(0, 10))),
            claimed_location=voc.US_CITIES[int(rng.integers(0, len(voc.US_CITIES)))],
            bio="Proud American. Mom. Coffee lover.",
            followers=int(rng.integers(3, 60)),
            following=int(rng.integers(80, 400)),
            profile_image_hash=face,
            photo_gender="male" if i % 4 != 3 else "female",
            language="en",
        )
        members.append((platform, account_id))

    days = rows.weekdays()
    events = 130
    groups = [list(rng.choice(len(members), size=8, replace=False)) for _ in range(events)]
    counts = np.bincount(np.concatenate(groups), minlength=len(members))
    for member in np.flatnonzero(counts < 22):  # every persona co-acts 22+ times
        for event in rng.choice(events, size=22 - counts[member] + 4, replace=False):
            if member not in groups[event]:
                groups[event].append(member)
    for group in groups:
        _spamouflage_burst(rows, truth, rng, [members[m] for m in group], days)
    for platform, account_id in members:  # a few solo posts between bursts
        for _ in range(int(rng.integers(3, 8))):
            topic, side = _wedge(rng)
            text = _edited(rng, _WEDGE_POSTS[topic, side][int(rng.integers(0, 2))])
            at = office_moment(rng, days, SPAMOUFLAGE_HOURS, SPAMOUFLAGE_OFFSET)
            rows.add_post(
                truth,
                platform,
                account_id,
                at,
                text=text,
                language="en",
                kind="original",
                hashtags=_hashtags(text),
                likes=0,
                shares=0,
                comments=0,
            )
    truth.domains = [
        {
            "domain": "change.org",
            "imitates": None,
            "technique": "petition_site",
            "urls": sorted(_PETITIONS.values()),
        }
    ]
    truth.details = {
        "schedule": "Mon-Fri 09:00-17:00 UTC+8, lunch dip 12:00-13:00",
        "bursts": events,
        "burst_window_seconds": 30,
        "shared_profile_images": shared_faces,
    }
    return truth


def _wedge(rng: np.random.Generator) -> tuple[str, str]:
    return ("abortion", "guns")[int(rng.integers(0, 2))], ("pro", "anti")[int(rng.integers(0, 2))]


def _spamouflage_burst(
    rows: PlantedRows,
    truth: GroupTruth,
    rng: np.random.Generator,
    members: list[tuple[str, str]],
    days: list[int],
) -> None:
    """One co-action: members post the same thing within 25 seconds."""
    topic, side = _wedge(rng)
    base = _WEDGE_POSTS[topic, side][int(rng.integers(0, 2))]
    style = ("petition", "copypasta", "retweet")[int(rng.integers(0, 3))]
    t0 = office_moment(rng, days, SPAMOUFLAGE_HOURS, SPAMOUFLAGE_OFFSET, slack=60)
    offsets = np.sort(rng.integers(0, 26, size=len(members)))
    lead_platform, lead_id = members[0]
    lead_post = None
    if style == "retweet":  # the lead posts; the X members retweet it seconds later
        lead_post = rows.add_post(
            truth,
            lead_platform,
            lead_id,
            t0,
            text=base,
            language="en",
            kind="original",
            hashtags=_hashtags(base),
            likes=0,
            shares=len(members),
            comments=0,
        )
    for (platform, account_id), offset in zip(members, offsets, strict=True):
        at = t0 + 1 + int(offset)
        if lead_post is not None and platform == lead_platform and account_id != lead_id:
            rows.add_post(
                truth,
                platform,
                account_id,
                at,
                kind="share",
                language="en",
                shared_post_id=lead_post,
                shared_account_id=lead_id,
                likes=0,
                shares=0,
                comments=0,
            )
        elif lead_post is not None and account_id == lead_id:
            continue
        else:
            fields: dict[str, Any] = {}
            text = _edited(rng, base)
            if style != "copypasta":
                url = _PETITIONS[topic, side]
                text = f"{text} Sign here: {url}"
                fields = {"urls": [url], "domains": ["change.org"]}
            rows.add_post(
                truth,
                platform,
                account_id,
                at,
                text=text,
                language="en",
                kind="original",
                hashtags=_hashtags(text),
                likes=0,
                shares=0,
                comments=0,
                **fields,
            )


#: Look-alike domains of op (b): (domain, imitated brand, technique).
LOOKALIKES: tuple[tuple[str, str, str], ...] = (
    ("spiegel.ltd", "spiegel.de", "tld_swap"),
    ("bild.pics", "bild.de", "tld_swap"),
    ("theguardian.co.com", "theguardian.com", "tld_swap"),
    ("welt.ltd", "welt.de", "tld_swap"),
    ("spiegle.de", "spiegel.de", "typosquat"),
    ("spiegel-news.com", "spiegel.de", "combosquat"),
)
#: Generated domains: one base word scrambled on cheap TLDs; the second wave follows the
#: block date (day 14), showing persistence after enforcement.
GENERATED_BASE = "reportage"
GENERATED_WAVES: tuple[tuple[str, ...], tuple[str, ...]] = (
    ("reportgae.top", "repotrage.xyz", "rpeortage.online"),
    ("reporatge.site", "erportage.top", "reportaeg.xyz"),
)
BLOCK_DAY = 14
_ARTICLES = (
    ("de", "Sanktionen ruinieren Deutschland: Die Wahrheit über die Energiepreise"),
    ("de", "Milliarden für die Ukraine, während deutsche Rentner frieren"),
    ("de", "Geheimes Papier: Regierung plant neue Steuern für den Krieg"),
    ("en", "Sanctions backfire: Europe's industry is collapsing"),
    ("en", "Leaked memo: aid to Ukraine vanishes into corruption"),
)
_SPEND_BUCKETS = ((0.0, 99.0), (100.0, 199.0), (200.0, 299.0), (300.0, 399.0), (500.0, 999.0))
_IMPRESSIONS = (
    (1_000, 4_999),
    (5_000, 9_999),
    (10_000, 14_999),
    (15_000, 19_999),
    (20_000, 24_999),
    (50_000, 99_999),
)


def _doppelganger_assets(
    rows: PlantedRows, truth: GroupTruth, rng: np.random.Generator
) -> dict[str, list[tuple[str, str, str]]]:
    plan = (
        ("facebook", "account", 60),
        ("facebook", "page", 12),
        ("facebook", "group", 1),
        ("instagram", "account", 8),
        ("telegram", "channel", 3),
        ("x", "account", 10),
    )
    assets: dict[str, list[tuple[str, str, str]]] = {}
    handles: dict[str, str] = {}
    for platform, kind, count in plan:
        for i in range(count):
            lang = "de" if rng.random() < 0.7 else "en"
            female = bool(rng.random() < 0.5)
            names = voc.FIRST_NAMES_FEMALE if female else voc.FIRST_NAMES_MALE
            first = names[lang][int(rng.integers(0, 8))]
            surname = voc.SURNAMES[lang][int(rng.integers(0, 8))]
            if kind == "account":
                display, handle = f"{first} {surname}", f"{first.lower()}.{surname.lower()}{i}"
                followers = int(rng.integers(5, 150))
                gender: str | None = "female" if female else "male"
            else:
                display = f"{('Wahrheit', 'Klartext', 'Europa Heute')[i % 3]} {kind.title()} {i}"
                handle = f"{display.lower().replace(' ', '')}"
                followers = int(rng.integers(2_000, 60_000))
                gender = None
            extra: dict[str, Any] = {}
            if platform == "instagram":
                # Each Instagram persona is linked to one of the operation's Facebook
                # personas (same Accounts Center): the profile shows the Facebook link even
                # when the Instagram account never posts. Chosen without a draw, so the
                # random stream of everything after stays as it was.
                linked = assets["facebook/account"][(7 * i + 3) % len(assets["facebook/account"])]
                extra["url"] = f"https://www.facebook.com/{handles[linked[2]]}"
            account_id = rows.add_account(
                truth,
                platform,
                kind,
                handle=handle,
                display_name=display,
                created_at=rows.start - DAY * (20 + int(rng.integers(0, 40))),
                claimed_location="Berlin" if lang == "de" else None,
                bio=None,
                followers=followers,
                following=int(rng.integers(10, 300)),
                profile_image_hash=persona_hash(rng),
                photo_gender=gender,
                language=lang,
                **extra,
            )
            handles[account_id] = handle
            assets.setdefault(f"{platform}/{kind}", []).append((platform, kind, account_id))
    return assets


def plant_doppelganger(rows: PlantedRows, rng: np.random.Generator) -> GroupTruth:
    """Plant the Doppelganger-like operation (b): look-alike news pushed across platforms."""
    truth = GroupTruth(
        id="op_b_doppelganger",
        label="Doppelganger-like",
        innocent=False,
        narrative="Anti-sanctions, anti-Ukraine-aid articles on cloned German/UK news sites",
        operator_utc_offset=DOPPELGANGER_OFFSET,
    )
    assets = _doppelganger_assets(rows, truth, rng)
    pushers = assets["facebook/account"] + assets["facebook/page"] + assets["facebook/group"]
    pushers += assets["x/account"]
    pages = {account_id for _, _, account_id in assets["facebook/page"]}
    page_currency = {a: ("USD", "EUR")[i % 2] for i, a in enumerate(sorted(pages))}
    days = rows.weekdays()
    first_seen: dict[str, int] = {}
    posted: set[str] = set()
    events = 140
    for event in range(events):
        at = office_moment(rng, days, DOPPELGANGER_HOURS, DOPPELGANGER_OFFSET)
        day = (at + DOPPELGANGER_OFFSET * 3600) // DAY
        wave = GENERATED_WAVES[0] if day < BLOCK_DAY else GENERATED_WAVES[1]
        if rng.random() < 0.55:
            domain = LOOKALIKES[int(rng.integers(0, len(LOOKALIKES)))][0]
        else:
            domain = wave[int(rng.integers(0, len(wave)))]
        first_seen[domain] = min(first_seen.get(domain, day), day)
        lang, title = _ARTICLES[int(rng.integers(0, len(_ARTICLES)))]
        slug = title.split(":")[0].lower().replace(" ", "-")
        url = f"https://{domain}/politik/2024/{slug}-{event}.html"
        image = persona_hash(rng)
        text = f"{title} {url}"
        size = int(rng.integers(8, 15))
        chosen = [pushers[i] for i in rng.choice(len(pushers), size=size, replace=False)]
        chosen += assets["instagram/account"][: int(rng.integers(0, 4))]
        if rng.random() < 0.6:
            chosen += assets["telegram/channel"]
        for platform, _kind, account_id in chosen:
            posted.add(account_id)
            moment = at + int(rng.integers(0, 56))
            fields: dict[str, Any] = {
                "text": text,
                "language": lang,
                "kind": "original",
                "urls": [url],
                "domains": [domain],
                "media_hashes": [image],
                "likes": int(rng.integers(0, 30)),
                "shares": int(rng.integers(0, 10)),
                "comments": int(rng.integers(0, 5)),
            }
            if platform == "instagram":  # no clickable links: the image and the words travel
                fields |= {"text": title, "urls": [], "domains": []}
            if account_id in pages and rng.random() < 0.6:
                spend = _SPEND_BUCKETS[int(rng.integers(0, len(_SPEND_BUCKETS)))]
                shown = _IMPRESSIONS[int(rng.integers(0, len(_IMPRESSIONS)))]
                fields |= {
                    "kind": "ad",
                    "ad_spend_min": spend[0],
                    "ad_spend_max": spend[1],
                    "currency": page_currency[account_id],
                    "impressions_min": shown[0],
                    "impressions_max": shown[1],
                }
            rows.add_post(truth, platform, account_id, moment, **fields)
    brands = {d: (brand, technique) for d, brand, technique in LOOKALIKES}
    truth.domains = [
        {
            "domain": d,
            "imitates": brands[d][0] if d in brands else None,
            "technique": brands[d][1] if d in brands else "generated",
            "base_word": None if d in brands else GENERATED_BASE,
            "first_day": first_seen[d],
        }
        for d in sorted(first_seen)
    ]
    truth.details = {
        "schedule": "Mon-Fri 09:00-18:00 UTC+3",
        "bursts": events,
        "burst_window_seconds": 60,
        "block_day": BLOCK_DAY,
        # Assets that never post: only their profiles' links tie them to the operation.
        "silent_assets": sorted(
            f"{platform}:{account_id}"
            for group in assets.values()
            for platform, _kind, account_id in group
            if account_id not in posted
        ),
        "profile_links": "each Instagram account's profile links one Facebook persona",
    }
    return truth
