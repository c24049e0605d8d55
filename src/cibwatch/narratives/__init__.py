"""Narratives across operations: where a narrative first appears and who repeats it later.

A *narrative unit* is chosen by ``unit``:

- ``"text_cluster"``: a near-duplicate text cluster (written by the near-duplicate detector;
  the same message with words changed, in one language);
- ``"text"``: an exact text (normalised, see :mod:`cibwatch.actions`);
- ``"url"``: a shared url;
- ``"narrative"``: clusters and texts joined across languages by :func:`link_narratives`,
  through anchors no translation changes: figures ("47%", "2.4 billion" = "2,4 Milliarden" =
  "2,4 млрд"), names (a small gazetteer of countries, leaders and organisations in English,
  German and Russian; other capitalised names by a spelling key that agrees across Latin and
  Cyrillic), the same url, article path or picture. Each anchor weighs its rarity (inverse
  document frequency over units, scaled to 0..1; countries capped, so "Ukraine" and "Europe"
  alone never link); a link needs a summed weight of ``LINK_THRESHOLD`` from two anchors (or
  one exact one) within ``LINK_WINDOW_DAYS``, and keeps its anchors as evidence.

An *actor* is a network (its id) or a *source*: an account outside every given network that
posted a narrative first overall (a state outlet's channel, say). For every narrative, each
actor's first post is its appearance; when a network's first appearance comes after another
actor's, the network repeats that actor's narrative with a lag. :func:`narrative_overlaps`
aggregates lags per (leader, follower) pair; :func:`network_narratives` lists one network's
top narratives with their first appearance overall.

A Telegram channel posts two claims; days later two accounts of network N-b repeat them:

>>> from cibwatch import Workspace
>>> workspace = Workspace()
>>> _ = workspace.connection.execute(
...     "INSERT INTO posts (platform, post_id, account_id, created_at, text) VALUES "
...     "('telegram', '1', '7', '2024-03-01 08:00', 'Kyiv spends 47% of its budget on arms'), "
...     "('telegram', '2', '7', '2024-03-02 08:00', 'A minister bought a 2.4 billion villa'), "
...     "('x', '3', 'b1', '2024-03-05 09:30', 'Kyiv spends 47% of its budget on arms'), "
...     "('x', '4', 'b2', '2024-03-06 10:00', 'A minister bought a 2.4 billion villa')"
... )
>>> workspace.derive_actions()
{'text': 4}
>>> linking = link_narratives(workspace)  # computed once, stored
>>> linking = current_linking(workspace)  # read back by reports
>>> lags = narrative_overlaps(
...     workspace, {"N-b": ["x:b1", "x:b2"]}, unit="narrative", linking=linking
... )
>>> lags[0]["sentence"]  # doctest: +ELLIPSIS
"network N-b repeats source telegram:7's narratives 4.072 days later (median of 2 shared ...)"

Modules: :mod:`.anchors` (what survives translation), :mod:`.linking` (units joined into
narratives, with evidence) and :mod:`.overlaps` (first appearances and lags).
"""

from cibwatch.narratives.anchors import name_key, text_anchors
from cibwatch.narratives.linking import (
    LINK_THRESHOLD,
    LINK_WINDOW_DAYS,
    MIN_ANCHORS,
    NarrativeLink,
    NarrativeLinking,
    current_linking,
    link_narratives,
    stored_linking,
)
from cibwatch.narratives.overlaps import UNITS, narrative_overlaps, network_narratives

__all__ = [
    "LINK_THRESHOLD",
    "LINK_WINDOW_DAYS",
    "MIN_ANCHORS",
    "UNITS",
    "NarrativeLink",
    "NarrativeLinking",
    "current_linking",
    "link_narratives",
    "name_key",
    "narrative_overlaps",
    "network_narratives",
    "stored_linking",
    "text_anchors",
]
