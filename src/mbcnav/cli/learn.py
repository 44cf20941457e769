"""`mbcnav learn`, `mbcnav drug` and `mbcnav tour`: read the knowledge base in either voice."""

from __future__ import annotations

import typer
from rich.markdown import Markdown
from rich.panel import Panel
from rich.prompt import Prompt
from rich.table import Table

from mbcnav import DISCLAIMER
from mbcnav.cli.common import Audience, console
from mbcnav.knowledge.loader import load_knowledge_base
from mbcnav.knowledge.lookup import find_drug, find_item
from mbcnav.knowledge.schema import KINDS, Drug, ItemBase, KnowledgeBase

AUDIENCE = typer.Option(Audience.public, "--audience", "-a", help="public (plain words) or clinician.")


def render_item(kb: KnowledgeBase, item: ItemBase, audience: Audience) -> None:
    body = item.public if audience is Audience.public else item.clinician
    console.print(Panel(Markdown(body), title=f"[bold]{item.title}[/]  ({item.kind})", expand=False))
    if isinstance(item, Drug):
        table = Table(show_header=False, box=None)
        table.add_row("[bold]brands[/]", ", ".join(item.brands) or "—")
        table.add_row("[bold]class[/]", item.drug_class)
        if audience is Audience.clinician:
            table.add_row("[bold]mechanism[/]", item.mechanism)
            table.add_row("[bold]used when[/]", item.used_when)
            table.add_row("[bold]common[/]", "; ".join(item.common_effects))
            table.add_row("[bold]serious[/]", "; ".join(item.serious_effects))
            table.add_row("[bold]monitoring[/]", "; ".join(item.monitoring))
        console.print(table)
    console.print("[bold]Sources[/]")
    for source_id in item.sources:
        source = kb.sources.get(source_id)
        if source:
            console.print(f"  • {source.title} — {source.publisher}, {source.year}. {source.url}")
    if item.related:
        console.print(f"[dim]Related: {', '.join(item.related)}[/]")
    console.print(f"[dim]Reviewed {item.reviewed.isoformat()}. {DISCLAIMER}[/]")


def list_topics(kb: KnowledgeBase) -> None:
    table = Table(title="What you can learn about (mbcnav learn ID)")
    table.add_column("kind")
    table.add_column("items")
    for kind in KINDS:
        items = kb.of_kind(kind)
        if items:
            table.add_row(kind, ", ".join(item.id for item in items))
    console.print(table)


def register(app: typer.Typer) -> None:
    @app.command()
    def learn(
        topic: str = typer.Argument(None, help="An item id, title or alias; leave out to list them."),
        audience: Audience = AUDIENCE,
    ) -> None:
        """Browse the knowledge base; an unknown topic gets suggestions."""
        kb = load_knowledge_base()
        if topic is None:
            list_topics(kb)
            return
        render_item(kb, find_item(kb, topic), audience)

    @app.command()
    def drug(
        name: str = typer.Argument(..., help="Generic or brand name, any case (e.g. Ibrance)."),
        audience: Audience = AUDIENCE,
    ) -> None:
        """One medicine: class, how it works, when it is used, side effects, monitoring."""
        kb = load_knowledge_base()
        render_item(kb, find_drug(kb, name), audience)

    @app.command()
    def tour(audience: Audience = AUDIENCE) -> None:
        """An interactive walk through the main topics, in the terminal."""
        kb = load_knowledge_base()
        console.print(Panel(DISCLAIMER, title="mbcnav", expand=False))
        stops = [item for item in kb.of_kind("topic")][:12]
        while True:
            for n, item in enumerate(stops, 1):
                console.print(f"  [bold]{n:>2}[/] {item.title}")
            choice = Prompt.ask("Pick a number, type a topic, or q to quit", default="q")
            if choice.strip().lower() in {"q", "quit", "exit", ""}:
                return
            if choice.isdigit() and 1 <= int(choice) <= len(stops):
                render_item(kb, stops[int(choice) - 1], audience)
                continue
            from mbcnav.errors import UnknownTopicError

            try:
                render_item(kb, find_item(kb, choice), audience)
            except UnknownTopicError as exc:
                console.print(f"[yellow]{exc}[/]")
