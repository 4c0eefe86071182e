"""A progress bar for the operators' long reads, on stderr so stdout stays clean."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ivex.topic_reader import ReadPlan


@contextmanager
def read_progress(
    description: str,
) -> Iterator[tuple[Callable[[ReadPlan], None], Callable[[], None]]]:
    """``(on_plan, on_record)`` callbacks driving a bar; silent when stderr is no terminal."""
    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    quiet = not console.is_terminal
    with Progress(*columns, console=console, transient=True, disable=quiet) as bar:
        task = bar.add_task(description, total=None)

        def on_plan(plan: ReadPlan) -> None:
            bar.update(task, total=plan.total)

        def on_record() -> None:
            bar.advance(task)

        yield on_plan, on_record
