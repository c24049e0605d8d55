"""The canonical tables: the contract between ingest and everything downstream.

Field lists are data so that ingesters, the loader, the synthetic world and the schema DDL
all read one definition. Every time is stored as a naive ``TIMESTAMP`` that means UTC (the
workspace connection runs with ``TimeZone = 'UTC'``). Every row keeps its source file and
row so that any figure in a report can be traced back to the rows that produced it.

An account is identified across the system by its *account key*, ``platform:account_id``
(see :func:`account_key`), because ids are only unique within a platform.
"""

from __future__ import annotations

from typing import Final

SCHEMA_VERSION: Final = 1

#: Kinds an account-like asset may have.
ACCOUNT_KINDS: Final = (
    "account",
    "page",
    "group",
    "channel",
    "website",
    "petition",
    "ad_account",
)

#: Kinds a post may have.
POST_KINDS: Final = ("original", "share", "reply", "quote", "comment", "ad")

#: Object types of the ``actions`` table (what two accounts can act on together).
OBJECT_TYPES: Final = (
    "shared_post",
    "url",
    "domain",
    "hashtag",
    "text",
    "text_cluster",
    "image",
    "reply_target",
    "mention",
)

# (name, DuckDB type) in table order. ``source_file``/``source_row``/``ingest_id`` are
# appended by the loader and are not part of what an ingester stages.
POST_FIELDS: Final[tuple[tuple[str, str], ...]] = (
    ("platform", "VARCHAR"),
    ("post_id", "VARCHAR"),
    ("account_id", "VARCHAR"),
    ("created_at", "TIMESTAMP"),
    ("text", "VARCHAR"),
    ("language", "VARCHAR"),
    ("kind", "VARCHAR"),
    ("shared_post_id", "VARCHAR"),
    ("shared_account_id", "VARCHAR"),
    ("reply_to_post_id", "VARCHAR"),
    ("urls", "VARCHAR[]"),
    ("domains", "VARCHAR[]"),
    ("hashtags", "VARCHAR[]"),
    ("mentions", "VARCHAR[]"),
    ("media_hashes", "VARCHAR[]"),
    ("ad_spend_min", "DOUBLE"),
    ("ad_spend_max", "DOUBLE"),
    ("currency", "VARCHAR"),
    ("impressions_min", "BIGINT"),
    ("impressions_max", "BIGINT"),
    ("likes", "BIGINT"),
    ("shares", "BIGINT"),
    ("comments", "BIGINT"),
    ("views", "BIGINT"),
)

ACCOUNT_FIELDS: Final[tuple[tuple[str, str], ...]] = (
    ("platform", "VARCHAR"),
    ("account_id", "VARCHAR"),
    ("kind", "VARCHAR"),
    ("handle", "VARCHAR"),
    ("display_name", "VARCHAR"),
    ("created_at", "TIMESTAMP"),
    ("claimed_location", "VARCHAR"),
    ("bio", "VARCHAR"),
    ("followers", "BIGINT"),
    ("following", "BIGINT"),
    ("profile_image_hash", "VARCHAR"),
    ("photo_gender", "VARCHAR"),
    ("language", "VARCHAR"),
    ("url", "VARCHAR"),
)

PROVENANCE_FIELDS: Final[tuple[tuple[str, str], ...]] = (
    ("source_file", "VARCHAR"),
    ("source_row", "BIGINT"),
    ("ingest_id", "INTEGER"),
)


def account_key(platform: str, account_id: str) -> str:
    """Return the system-wide key of an account.

    >>> account_key("x", "12345")
    'x:12345'
    """
    return f"{platform}:{account_id}"


def _columns(fields: tuple[tuple[str, str], ...]) -> str:
    return ",\n    ".join(f"{name} {sql_type}" for name, sql_type in fields)


DDL: Final = f"""
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);

CREATE SEQUENCE IF NOT EXISTS ingest_seq START 1;
CREATE TABLE IF NOT EXISTS ingests (
    ingest_id INTEGER PRIMARY KEY,
    source_file VARCHAR NOT NULL,
    format VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    rows_read BIGINT,
    rows_stored BIGINT,
    rows_rejected BIGINT,
    rows_duplicate BIGINT,
    accounts_stored BIGINT,
    params JSON
);

CREATE TABLE IF NOT EXISTS rejects (
    ingest_id INTEGER NOT NULL,
    source_file VARCHAR NOT NULL,
    source_row BIGINT,
    field VARCHAR,
    reason VARCHAR NOT NULL,
    raw VARCHAR
);

CREATE TABLE IF NOT EXISTS posts (
    {_columns(POST_FIELDS + PROVENANCE_FIELDS)}
);

CREATE TABLE IF NOT EXISTS accounts (
    {_columns(ACCOUNT_FIELDS + PROVENANCE_FIELDS)}
);

CREATE TABLE IF NOT EXISTS actions (
    account VARCHAR NOT NULL,
    object_type VARCHAR NOT NULL,
    object_id VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    platform VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL
);

CREATE SEQUENCE IF NOT EXISTS run_seq START 1;
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY,
    step VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    params JSON,
    engine VARCHAR,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    input_rows BIGINT,
    output_rows BIGINT,
    status VARCHAR NOT NULL,
    message VARCHAR
);

CREATE TABLE IF NOT EXISTS evidence (
    run_id INTEGER NOT NULL,
    detector VARCHAR NOT NULL,
    signal VARCHAR NOT NULL,
    subject_kind VARCHAR NOT NULL,
    subject_a VARCHAR NOT NULL,
    subject_b VARCHAR,
    strength DOUBLE NOT NULL,
    p_value DOUBLE,
    q_value DOUBLE,
    significant BOOLEAN NOT NULL,
    explanation VARCHAR NOT NULL,
    proof VARCHAR[],
    details JSON
);

CREATE TABLE IF NOT EXISTS networks (
    run_id INTEGER NOT NULL,
    network_id VARCHAR NOT NULL,
    label VARCHAR,
    size INTEGER NOT NULL,
    score DOUBLE NOT NULL,
    score_parts JSON,
    summary JSON
);

CREATE TABLE IF NOT EXISTS network_members (
    run_id INTEGER NOT NULL,
    network_id VARCHAR NOT NULL,
    account VARCHAR NOT NULL,
    degree INTEGER,
    strength DOUBLE
);
"""
