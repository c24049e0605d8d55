"""PersonaDetector: reused photos, copied bios, name/photo gender, patterned handles.

Pair evidence (``reused_photo``, ``copied_bio``) links accounts; account evidence
(``persona_mismatch``, ``patterned_handle``) describes them. Pair findings are deterministic
(no p-value): network assembly weighs evidence without one as q = 1e-6.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from cibwatch.detectors.base import Detector, DetectorResult
from cibwatch.errors import ConfigError
from cibwatch.fingerprints.persona import hash_photo_folder, is_patterned_handle, name_gender

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

_INSERT = "INSERT INTO evidence VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, true, ?, ?, ?)"


class PersonaDetector(Detector):
    """Persona consistency findings from the ``accounts`` table.

    >>> PersonaDetector(max_distance=4).get_params()["max_distance"]
    4
    """

    name: ClassVar[str] = "persona"
    signal: ClassVar[str] = "persona"

    def __init__(
        self,
        *,
        max_distance: int = 6,
        max_photo_accounts: int = 50,
        min_bio_chars: int = 30,
        max_bio_accounts: int = 50,
        photos: str | None = None,
    ) -> None:
        self.max_distance = max_distance
        self.max_photo_accounts = max_photo_accounts
        self.min_bio_chars = min_bio_chars
        self.max_bio_accounts = max_bio_accounts
        self.photos = photos

    def _validate(self) -> None:
        if not 0 <= self.max_distance <= 16:
            raise ConfigError(f"max_distance must be 0..16 bits, got {self.max_distance}")
        if self.max_photo_accounts < 2 or self.max_bio_accounts < 2:
            raise ConfigError("max_photo_accounts and max_bio_accounts must be at least 2")

    def _run(self, workspace: Workspace, run_id: int) -> DetectorResult:
        con = workspace.connection
        photo_summary: dict[str, object] = {}
        if self.photos is not None:
            updated, skipped = hash_photo_folder(workspace, Path(self.photos))
            photo_summary = {"photos_hashed": updated, "photos_skipped": skipped}
        n_accounts = workspace.count("accounts")
        photo_pairs = con.execute(
            f"""
            WITH photos AS (
                SELECT platform || ':' || account_id AS account, profile_image_hash AS h,
                       CAST('0x' || profile_image_hash AS UBIGINT) AS v
                FROM accounts
                WHERE regexp_full_match(profile_image_hash, '[0-9a-fA-F]{{16}}')
            ),
            common AS (
                SELECT h FROM photos GROUP BY h HAVING count(*) > {self.max_photo_accounts}
            ),
            usable AS (SELECT * FROM photos WHERE h NOT IN (SELECT h FROM common)),
            bands AS (
                SELECT account, h, v, b, (v >> (16 * b)) & 65535 AS band
                FROM usable, range(4) t(b)
            )
            SELECT DISTINCT x.account, y.account, x.h, y.h, bit_count(xor(x.v, y.v)) AS d
            FROM bands x JOIN bands y
              ON x.b = y.b AND x.band = y.band AND x.account < y.account
            WHERE bit_count(xor(x.v, y.v)) <= {self.max_distance}
            ORDER BY 1, 2
            """
        ).fetchall()
        rows = [
            [
                run_id,
                self.name,
                "reused_photo",
                "pair",
                a,
                b,
                1.0,
                f"{a} and {b} use the same profile photo"
                + (f" ({d} bits apart)" if d else " (identical hash)"),
                [f"photo:{ha}", f"photo:{hb}"],
                json.dumps({"distance": int(d)}),
            ]
            for a, b, ha, hb, d in photo_pairs
        ]
        bio_pairs = con.execute(
            f"""
            WITH bios AS (
                SELECT platform || ':' || account_id AS account,
                       trim(regexp_replace(lower(bio), '\\s+', ' ', 'g')) AS b
                FROM accounts WHERE bio IS NOT NULL
            ),
            groups AS (
                SELECT b FROM bios WHERE length(b) >= {self.min_bio_chars}
                GROUP BY b HAVING count(*) BETWEEN 2 AND {self.max_bio_accounts}
            )
            SELECT x.account, y.account, x.b FROM bios x JOIN bios y USING (b)
            WHERE x.account < y.account AND b IN (SELECT b FROM groups) ORDER BY 1, 2
            """
        ).fetchall()
        rows += [
            [
                run_id,
                self.name,
                "copied_bio",
                "pair",
                a,
                b,
                1.0,
                f"{a} and {b} have the same bio: \u201c{bio[:80]}\u201d",
                [f"bio:{bio[:200]}"],
                json.dumps({}),
            ]
            for a, b, bio in bio_pairs
        ]
        pairs = len(rows)
        for platform, account_id, display, handle, photo_gender in con.execute(
            "SELECT platform, account_id, display_name, handle, photo_gender FROM accounts"
        ).fetchall():
            key = f"{platform}:{account_id}"
            gender = name_gender(display)
            if gender and photo_gender in ("female", "male") and gender != photo_gender:
                rows.append(
                    [
                        run_id,
                        self.name,
                        "persona_mismatch",
                        "account",
                        key,
                        None,
                        1.0,
                        f"{key} has a {gender} name ({display}) but a photo labelled "
                        f"{photo_gender} in the data",
                        [f"account:{key}"],
                        json.dumps({"name_gender": gender, "photo_gender": photo_gender}),
                    ]
                )
            if is_patterned_handle(handle):
                rows.append(
                    [
                        run_id,
                        self.name,
                        "patterned_handle",
                        "account",
                        key,
                        None,
                        1.0,
                        f"{key}'s handle {handle} is a name followed by digits",
                        [f"account:{key}"],
                        json.dumps({"handle": handle}),
                    ]
                )
        if rows:
            con.executemany(_INSERT, rows)
        return DetectorResult(
            detector=self.name,
            run_id=run_id,
            input_rows=n_accounts,
            evidence_rows=len(rows),
            significant_rows=pairs,
            summary={"pairs": pairs, "account_findings": len(rows) - pairs, **photo_summary},
        )
