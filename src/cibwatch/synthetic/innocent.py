"""Innocent coordination a careful detector must *not* call CIB.

* :func:`plant_breaking_news` - hundreds of people share one news link within minutes, once.
* :func:`plant_fan_community` - fans use the same hashtags all month at their own times.
* :func:`plant_campaign` - volunteers retweet a real campaign after log-normal delays.

Each produces co-actions that look alike on the surface, but none repeats tight (seconds
apart) co-action between the same pair more than a null model keeping each account's activity
and each object's popularity and time spread would expect.
"""

from __future__ import annotations

import numpy as np

from cibwatch.schema import account_key
from cibwatch.synthetic import vocabulary as voc
from cibwatch.synthetic.planted import (
    DAY,
    HOUR,
    GroupTruth,
    PlantedRows,
    local_moment,
    persona_hash,
)

BREAKING_URL = "https://www.bbc.co.uk/news/world-breaking-earthquake-2024"
FAN_TAGS = ("#StarlightFC", "#GoStarlight", "#ValeriaTour", "#Valeria4ever")
CAMPAIGN_OFFSET = -5
_REACTIONS = (
    "Oh no.",
    "Terrible news",
    "Praying for everyone there",
    "Just saw this",
    "Horrible",
    "Stay safe everyone",
    "This is awful",
    "Breaking:",
    "Wow, scary",
    "My cousin lives there",
    "Hope everyone is ok",
    "Devastating",
)
_AFTERTHOUGHTS = ("", " 😢", " 🙏", "!", "...", " Please donate.", " Stay strong.", " ❤️")
_PERSONAL = (
    "",
    " Thinking of my friends there.",
    " Sending love.",
    " Unreal.",
    " Just woke up to this.",
    " Where is the help?",
    " So sad.",
    " Check on your people.",
    " Can't stop watching.",
    " Heartbreaking.",
)


def _person(
    rows: PlantedRows, truth: GroupTruth, rng: np.random.Generator, platform: str, tz_index: int
) -> tuple[str, int, str]:
    """Add an ordinary person; return (account id, UTC offset, language)."""
    offset, _, city = voc.TIME_ZONES[tz_index]
    lang = "de" if offset in (1, 2) and rng.random() < 0.6 else "en"
    female = bool(rng.random() < 0.5)
    names = voc.FIRST_NAMES_FEMALE if female else voc.FIRST_NAMES_MALE
    first = names[lang][int(rng.integers(0, 8))]
    surname = voc.SURNAMES[lang][int(rng.integers(0, 8))]
    account_id = rows.add_account(
        truth,
        platform,
        "account",
        handle=f"{first.lower()}_{surname.lower()}{int(rng.integers(1, 9999))}",
        display_name=f"{first} {surname}",
        created_at=rows.start - DAY * int(rng.integers(200, 4_000)),
        claimed_location=city if rng.random() < 0.6 else None,
        bio=None,
        followers=int(rng.integers(20, 3_000)),
        following=int(rng.integers(20, 900)),
        profile_image_hash=persona_hash(rng),
        photo_gender="female" if female else "male",
        language=lang,
    )
    return account_id, offset, lang


def _background(
    rows: PlantedRows,
    truth: GroupTruth,
    rng: np.random.Generator,
    platform: str,
    account_id: str,
    offset: int,
    lang: str,
) -> None:
    """A few everyday posts, so the group's accounts have ordinary lives too."""
    for _ in range(int(rng.integers(3, 12))):
        text = (
            f"{voc.OPENERS[lang][int(rng.integers(0, 10))]} "
            f"{voc.TOPICS[lang][int(rng.integers(0, 10))]}"
        )
        rows.add_post(
            truth,
            platform,
            account_id,
            local_moment(rng, rows.days, offset),
            text=text,
            language=lang,
            kind="original",
            likes=int(rng.integers(0, 9)),
            shares=0,
            comments=0,
        )


def _tz_choices(rng: np.random.Generator, size: int) -> list[int]:
    weights = np.asarray([w for _, w, _ in voc.TIME_ZONES], dtype=np.float64)
    return [int(i) for i in rng.choice(len(weights), size=size, p=weights / weights.sum())]


def plant_breaking_news(rows: PlantedRows, rng: np.random.Generator) -> GroupTruth:
    """(c1) 300 people share one breaking-news link within minutes, once."""
    truth = GroupTruth(
        id="innocent_c1_breaking_news",
        label="Breaking-news burst",
        innocent=True,
        narrative="An earthquake report everybody shares",
        operator_utc_offset=None,
    )
    moment = min(10, rows.days - 1) * DAY + 14 * HOUR + 5 * 60
    for tz_index in _tz_choices(rng, 300):
        platform = "x" if rng.random() < 0.7 else "facebook"
        account_id, offset, lang = _person(rows, truth, rng, platform, tz_index)
        _background(rows, truth, rng, platform, account_id, offset, lang)
        at = moment + int(rng.exponential(240.0))
        reaction = _REACTIONS[int(rng.integers(0, len(_REACTIONS)))]
        afterthought = _AFTERTHOUGHTS[int(rng.integers(0, len(_AFTERTHOUGHTS)))]
        personal = _PERSONAL[int(rng.integers(0, len(_PERSONAL)))]
        text = f"{reaction}{afterthought}{personal} {BREAKING_URL}"
        rows.add_post(
            truth,
            platform,
            account_id,
            at,
            text=text,
            language=lang,
            kind="original",
            urls=[BREAKING_URL],
            domains=["bbc.co.uk"],
            likes=int(rng.integers(0, 20)),
            shares=0,
            comments=0,
        )
    truth.details = {"url": BREAKING_URL, "at_seconds_after_start": moment}
    return truth


def plant_fan_community(rows: PlantedRows, rng: np.random.Generator) -> GroupTruth:
    """(c2) 80 fans use the same fan hashtags all month at their own local times."""
    truth = GroupTruth(
        id="innocent_c2_fans",
        label="Fan community",
        innocent=True,
        narrative="Fans of a football club and a pop singer",
        operator_utc_offset=None,
    )
    for tz_index in _tz_choices(rng, 80):
        platform = "x" if rng.random() < 0.6 else "instagram"
        account_id, offset, lang = _person(rows, truth, rng, platform, tz_index)
        _background(rows, truth, rng, platform, account_id, offset, lang)
        for _ in range(int(rng.integers(15, 31))):
            tags = sorted({FAN_TAGS[int(i)] for i in rng.integers(0, len(FAN_TAGS), 2)})
            rows.add_post(
                truth,
                platform,
                account_id,
                local_moment(rng, rows.days, offset, hours=(17, 24)),
                text=f"Let's go! {' '.join(tags)}",
                language=lang,
                kind="original",
                hashtags=tags,
                likes=int(rng.integers(0, 40)),
                shares=0,
                comments=0,
            )
    truth.details = {"hashtags": list(FAN_TAGS)}
    return truth


def plant_campaign(rows: PlantedRows, rng: np.random.Generator) -> GroupTruth:
    """(c3) 50 volunteers retweet a campaign's posts after log-normal delays."""
    truth = GroupTruth(
        id="innocent_c3_campaign",
        label="Campaign volunteers",
        innocent=True,
        narrative="A city transit referendum campaign and its volunteers",
        operator_utc_offset=None,
    )
    campaign = rows.add_account(
        truth,
        "x",
        "account",
        handle="yes_on_transit",
        display_name="Yes on Transit",
        created_at=rows.start - 400 * DAY,
        claimed_location="Chicago, IL",
        bio="Official campaign account.",
        followers=25_000,
        following=300,
        profile_image_hash=persona_hash(rng),
        photo_gender=None,
        language="en",
        url="https://yesontransit.example",
    )
    campaign_posts: list[tuple[str, int]] = []
    for day in range(rows.days):
        for hour in (10, 16):
            at = day * DAY + hour * HOUR + int(rng.integers(0, HOUR)) - CAMPAIGN_OFFSET * HOUR
            text = "Vote YES for better buses and trains! #YesOnTransit"
            post = rows.add_post(
                truth,
                "x",
                campaign,
                at,
                text=text,
                language="en",
                kind="original",
                hashtags=["#YesOnTransit"],
                likes=50,
                shares=20,
                comments=5,
            )
            campaign_posts.append((post, at))
    end = rows.days * DAY - 1
    volunteers: list[str] = []
    for tz_index in _tz_choices(rng, 50):
        account_id, offset, lang = _person(rows, truth, rng, "x", tz_index)
        volunteers.append(account_id)
        _background(rows, truth, rng, "x", account_id, offset, lang)
        for post, posted in campaign_posts:
            if rng.random() >= 0.35:
                continue
            at = posted + 30 + int(rng.lognormal(np.log(45 * 60), 1.3))
            local_hour = ((at + offset * HOUR) % DAY) // HOUR
            if local_hour < 7:  # asleep: retweeted after waking up
                at += (7 - int(local_hour)) * HOUR + int(rng.integers(0, 2 * HOUR))
            rows.add_post(
                truth,
                "x",
                account_id,
                min(at, end),
                kind="share",
                language="en",
                shared_post_id=post,
                shared_account_id=campaign,
                likes=0,
                shares=0,
                comments=0,
            )
    linked = _linked_instagram(rows, truth, rng, campaign, volunteers)
    truth.details = {
        "campaign_account": f"x:{campaign}",
        "retweet_delay": "30 s + log-normal, median 45 min, sigma 1.3",
        "silent_linked_instagram": linked,
    }
    return truth


def _short_handle(display_name: str, number: int) -> str:
    """``Emily Smith`` -> ``emily.s42``: an Instagram handle unlike the X one."""
    first, _, last = display_name.lower().partition(" ")
    return f"{first}.{last[:1]}{number}"


def _linked_instagram(
    rows: PlantedRows,
    truth: GroupTruth,
    rng: np.random.Generator,
    campaign: str,
    volunteers: list[str],
) -> list[str]:
    """Instagram accounts that never post, each linking its owner's X account.

    Ordinary people and campaigns link their profiles across platforms, and many Instagram
    accounts are only read, never posted from: the same trace that ties an operation's silent
    accounts to it, here innocent. Drawn after everything else so the group's posts stay as
    they were. Returns the Instagram account keys.
    """
    profiles = {row["account_id"]: row for row in rows.accounts if row["platform"] == "x"}
    owners = [campaign, *volunteers[: len(volunteers) // 5]]
    keys = []
    for owner in owners:
        profile = profiles[owner]
        account_id = rows.add_account(
            truth,
            "instagram",
            "account",
            # people pick another handle and picture here, so only the link ties the two
            handle=_short_handle(str(profile["display_name"]), int(rng.integers(10, 99))),
            display_name=profile["display_name"],
            created_at=rows.start - DAY * int(rng.integers(30, 1_500)),
            claimed_location=profile.get("claimed_location"),
            bio=None,
            followers=int(rng.integers(5, 400)),
            following=int(rng.integers(20, 600)),
            profile_image_hash=persona_hash(rng),
            photo_gender=profile.get("photo_gender"),
            language=profile.get("language"),
            url=f"https://x.com/{profile['handle']}",
        )
        keys.append(account_key("instagram", account_id))
    return keys
