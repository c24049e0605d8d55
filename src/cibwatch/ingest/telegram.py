"""Ingester for Telegram Desktop chat exports (``result.json``, "Export chat history" as JSON).

A single-chat export is one object ``{"name", "type", "id", "messages": [...]}``; a full
account export wraps such chats in ``{"chats": {"list": [...]}}``. Both are read. The whole
file is parsed with :func:`json.load` (no streaming JSON parser is a dependency), which is
fine up to about 100 MB; split larger exports by date range in Telegram Desktop.

Mapping:

- the chat becomes an account: kind ``channel`` for channels, ``group`` for groups; its id
  is written the way Telegram writes peers in ``from_id`` (``channel<id>``, ``chat<id>``)
  so that channel posts (``from_id`` = ``channel<id>``) point at it;
- each ``message`` becomes a post with id ``<chat peer>/<message id>`` (message ids are
  only unique inside one chat); ``service`` messages (joins, pins...) are skipped;
- a forwarded message is a share; its shared account is ``forwarded_from_id`` when the
  export has it, else the ``forwarded_from`` name (the only identity older exports give);
- a reply points at ``<chat peer>/<reply_to_message_id>``;
- urls, hashtags and mentions come from ``text_entities`` (or the entity list in ``text``);
- times: ``date_unixtime`` is UTC and is used when present; ``date`` has no zone and is
  passed through (the loader then asks for ``--assume-tz``).

A message without an id becomes a reject naming its position in the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

from cibwatch.errors import IngestError
from cibwatch.ingest.base import Ingester, IngestOptions, Reject, StagedBatch
from cibwatch.ingest.staging import flush

_CHANNEL_TYPES = frozenset({"public_channel", "private_channel", "channel"})
_SUPERGROUP_TYPES = frozenset({"public_supergroup", "private_supergroup"})
_HEAD = re.compile(rb'"messages"\s*:\s*\[|"chats"\s*:\s*\{')
_TELEGRAM_KEYS = re.compile(rb'"date_unixtime"|"from_id"|"type"\s*:\s*"(?:public|private)_')


def chat_peer(chat: Mapping[str, Any]) -> str:
    """The peer id of a chat, as Telegram writes it in ``from_id``."""
    chat_type = str(chat.get("type", ""))
    prefix = "channel" if chat_type in _CHANNEL_TYPES | _SUPERGROUP_TYPES else "chat"
    if chat_type in ("personal_chat", "bot_chat", "saved_messages"):
        prefix = "user"
    return f"{prefix}{chat.get('id')}"


def message_text(message: Mapping[str, Any]) -> str | None:
    """The plain text of a message whose ``text`` is a string or a list of parts."""
    text = message.get("text")
    if isinstance(text, str):
        return text or None
    parts = [p if isinstance(p, str) else str(p.get("text", "")) for p in _list(text)]
    return "".join(parts) or None


def message_entities(message: Mapping[str, Any]) -> dict[str, list[str]]:
    """urls, hashtags and mentions from a message's text entities."""
    entities = message.get("text_entities")
    if not isinstance(entities, list):
        entities = [p for p in _list(message.get("text")) if isinstance(p, dict)]
    found: dict[str, list[str]] = {"urls": [], "hashtags": [], "mentions": []}
    for entity in entities:
        if not isinstance(entity, dict):
            continue
        kind, text = entity.get("type"), str(entity.get("text", ""))
        if kind == "link" and text:
            found["urls"].append(text)
        elif kind == "text_link" and entity.get("href"):
            found["urls"].append(str(entity["href"]))
        elif kind == "hashtag" and text:
            found["hashtags"].append(text.lstrip("#"))
        elif kind == "mention" and text:
            found["mentions"].append(text.lstrip("@"))
        elif kind == "mention_name" and entity.get("user_id") is not None:
            found["mentions"].append(f"user{entity['user_id']}")
    return found


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _created_at(message: Mapping[str, Any]) -> str | None:
    unix = message.get("date_unixtime")
    if unix is not None and str(unix).strip().isdigit():
        # The loader reads the number (seconds or milliseconds, by magnitude) and rejects
        # what is no time; converting it here raised on milliseconds ("year 54133").
        return str(unix)
    date = message.get("date")
    return None if date is None else str(date)


def _chats(document: Any, path: Path) -> list[Mapping[str, Any]]:
    if isinstance(document, dict) and isinstance(document.get("messages"), list):
        return [document]
    chats = document.get("chats") if isinstance(document, dict) else None
    if isinstance(chats, dict) and isinstance(chats.get("list"), list):
        return [c for c in chats["list"] if isinstance(c, dict)]
    raise IngestError(
        "not a Telegram Desktop export: no 'messages' list (or 'chats.list')",
        file=str(path),
        field="messages",
    )


class TelegramIngester(Ingester):
    """Telegram Desktop JSON export (``result.json``) of a channel or group."""

    name: ClassVar[str] = "telegram"
    description: ClassVar[str] = "Telegram Desktop chat export result.json (channel or group)"

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not start.startswith(b"{"):
            return False
        return bool(_HEAD.search(head)) and bool(_TELEGRAM_KEYS.search(head))

    def read(self, path: Path, options: IngestOptions) -> Iterator[StagedBatch | Reject]:
        platform = options.platform or "telegram"
        try:
            with path.open(encoding="utf-8-sig") as handle:
                document = json.load(handle)
        except json.JSONDecodeError as exc:
            raise IngestError(
                f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                file=str(path),
            ) from exc
        except UnicodeDecodeError as exc:
            raise IngestError(
                f"not UTF-8 at byte {exc.start} ({exc.reason}); Telegram writes UTF-8",
                file=str(path),
            ) from exc
        except RecursionError as exc:
            raise IngestError("JSON nested too deep", file=str(path)) from exc
        posts: list[dict[str, Any]] = []
        accounts: dict[str, dict[str, Any]] = {}
        record = 0
        for chat in _chats(document, path):
            peer = chat_peer(chat)
            chat_kind = "channel" if str(chat.get("type")) in _CHANNEL_TYPES else "group"
            accounts[peer] = {
                "platform": platform,
                "account_id": peer,
                "kind": chat_kind,
                "display_name": chat.get("name"),
                "source_row": record + 1,
            }
            for message in _list(chat.get("messages")):
                record += 1
                if not isinstance(message, dict):
                    yield Reject(record, None, "a message that is not an object", str(message))
                    continue
                if message.get("type", "message") != "message":
                    continue
                if message.get("id") is None:
                    raw = json.dumps(message, ensure_ascii=False)[:1000]
                    yield Reject(record, "id", "a message without id", raw)
                    continue
                try:
                    posts.append(_post(message, peer, platform, record))
                except (TypeError, ValueError, AttributeError, KeyError, RecursionError) as exc:
                    # A value of another type than Telegram writes (a list for a string...).
                    raw = json.dumps(message, ensure_ascii=False, default=str)[:1000]
                    reason = f"unexpected structure ({type(exc).__name__}: {exc})"
                    yield Reject(record, None, reason[:300], raw)
                    continue
                sender = message.get("from_id")
                if sender is not None and str(sender) not in accounts:
                    accounts[str(sender)] = {
                        "platform": platform,
                        "account_id": str(sender),
                        "kind": "channel" if str(sender).startswith("channel") else "account",
                        "display_name": message.get("from"),
                        "source_row": record,
                    }
                if len(posts) >= options.batch_rows:
                    yield from flush(posts, accounts)
        yield from flush(posts, accounts)


def _post(message: Mapping[str, Any], peer: str, platform: str, record: int) -> dict[str, Any]:
    entities = message_entities(message)
    # The key is present (possibly null, for hidden senders) on every forwarded message.
    is_forward = "forwarded_from" in message or "forwarded_from_id" in message
    forwarded = message.get("forwarded_from_id") or message.get("forwarded_from")
    reply_to = message.get("reply_to_message_id")
    kind = "share" if is_forward else "reply" if reply_to is not None else "original"
    return {
        "platform": platform,
        "post_id": f"{peer}/{message['id']}",
        "account_id": str(message.get("from_id") or peer),
        "created_at": _created_at(message),
        "text": message_text(message),
        "kind": kind,
        "shared_account_id": None if forwarded is None else str(forwarded),
        "reply_to_post_id": None if reply_to is None else f"{peer}/{reply_to}",
        "urls": entities["urls"] or None,
        "hashtags": entities["hashtags"] or None,
        "mentions": entities["mentions"] or None,
        "source_row": record,
    }


INGESTERS: list[type[Ingester]] = [TelegramIngester]
