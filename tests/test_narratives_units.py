"""Narrative units: texts and near-duplicate clusters met on one post are one unit.

Units are built from one aggregation over the actions (each post's smallest and largest unit
and its number of text/cluster actions); only posts with more than two are read again. The
actions below are written by hand so that every path is taken: a post with three units, a
chain of units across posts, a duplicated action row, a post with one unit of its own.
"""

from __future__ import annotations

from cibwatch.narratives import link_narratives
from cibwatch.workspace import Workspace

# (post, object_type, object_id)
ACTIONS = [
    # p1 holds three units at once: text:a, cluster c1 and cluster c2 are one unit
    ("p1", "text", "a"),
    ("p1", "text_cluster", "c1"),
    ("p1", "text_cluster", "c2"),
    # p2 ties text:b to cluster c2, so text:b joins the unit above (a chain across posts)
    ("p2", "text", "b"),
    ("p2", "text_cluster", "c2"),
    # p3 carries text:b twice (a duplicated row is no second unit) and nothing else
    ("p3", "text", "b"),
    ("p3", "text", "b"),
    # p4 and p5: text:z and cluster c9 together, apart from everything above
    ("p4", "text", "z"),
    ("p4", "text_cluster", "c9"),
    ("p5", "text_cluster", "c9"),
    # p6: a text of its own
    ("p6", "text", "q"),
]
# a unit is named after its smallest member id ("text:" sorts before "text_cluster:")
EXPECTED = {
    "p1": "text:a",
    "p2": "text:a",
    "p3": "text:a",
    "p4": "text:z",
    "p5": "text:z",
    "p6": "text:q",
}


def _workspace() -> Workspace:
    ws = Workspace()
    con = ws.connection
    posts = sorted({post for post, _, _ in ACTIONS})
    for i, post in enumerate(posts):
        con.execute(
            "INSERT INTO posts (platform, post_id, account_id, created_at, text) "
            "VALUES ('x', ?, ?, TIMESTAMP '2024-03-01 08:00' + to_days(?), ?)",
            [post, f"acc{i}", i, f"post {post} with nothing in common"],
        )
    for post, kind, obj in ACTIONS:
        con.execute(
            "INSERT INTO actions (account, object_type, object_id, created_at, platform, post_id) "
            "VALUES ('acc', ?, ?, TIMESTAMP '2024-03-01 08:00', 'x', ?)",
            [kind, obj, post],
        )
    return ws


def test_units_join_texts_and_clusters_met_on_a_post() -> None:
    ws = _workspace()
    linking = link_narratives(ws)
    assert dict(linking.post_unit.items()) == {f"x:{k}": v for k, v in EXPECTED.items()}
    units = ws.connection.execute(
        "SELECT unit, posts FROM narrative_units WHERE run_id = ? ORDER BY unit",
        [linking.run_id],
    ).fetchall()
    assert units == [("text:a", 3), ("text:q", 1), ("text:z", 2)]


def test_no_working_table_is_left_behind() -> None:
    ws = _workspace()
    link_narratives(ws)
    left = ws.connection.execute(
        "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '\\_n\\_%' ESCAPE '\\'"
    ).fetchall()
    assert left == []
