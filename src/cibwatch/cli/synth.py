"""``cibwatch synth``: write a synthetic world with planted operations and ground truth."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("synth")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--posts",
    default=20_000,
    show_default=True,
    type=click.IntRange(min=0),
    help="Organic posts (planted operations add a fixed few thousand).",
)
@click.option(
    "--seed",
    default=7,
    show_default=True,
    type=int,
    help="Random seed; the same seed gives byte-identical files.",
)
@click.option(
    "--days",
    default=28,
    show_default=True,
    type=click.IntRange(min=7),
    help="Length of the world in days, starting Monday 2024-03-04.",
)
def command(out_dir: Path, posts: int, seed: int, days: int) -> None:
    """Write a synthetic world into OUT_DIR: posts.parquet, accounts.parquet and
    ground_truth.json (planted operations and innocent groups, for scoring detectors)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.table import Table

    from cibwatch.synthetic.world import generate_world

    console = Console()  # paths are printed unwrapped and without markup: they may hold "["
    columns = (
        TextColumn("writing posts"),
        BarColumn(),
        TextColumn("{task.completed:,} rows"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("posts", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        manifest = generate_world(out_dir, posts=posts, seed=seed, days=days, progress=advance)
    table = Table(title=f"Synthetic world (seed {manifest.seed}, {manifest.days} days)")
    table.add_column("group")
    table.add_column("innocent")
    table.add_column("accounts", justify="right")
    table.add_column("posts", justify="right")
    for group in manifest.groups:
        accounts = sum(sum(kinds.values()) for kinds in group["asset_counts"].values())
        table.add_row(
            group["label"],
            "yes" if group["innocent"] else "no",
            str(accounts),
            str(sum(group["posts"].values())),
        )
    console.print(table)
    lines = (
        f"posts:        {manifest.posts:,} rows -> {manifest.posts_path}",
        f"accounts:     {manifest.accounts:,} rows -> {manifest.accounts_path}",
        f"ground truth: {manifest.ground_truth_path}",
    )
    for line in lines:
        console.print(line, markup=False, soft_wrap=True)
