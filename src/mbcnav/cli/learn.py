"""`mbcnav learn`, `mbcnav drug` and `mbcnav tour`: read the knowledge base in either voice."""

from __future__ import annotations

import typer
from rich.markdown import Markdown
from rich.panel import Panel
from rich.prompt import Prompt
from rich.table import Table
from rich.text import Text

from mbcnav import DISCLAIMER
from mbcnav.cli.common import Audience, console
from mbcnav.errors import UnknownTopicError
from mbcnav.knowledge.display import VIEWS, shown_fields
from mbcnav.knowledge.loader import load_knowledge_base
from mbcnav.knowledge.lookup import DrugNoteError, find_drug, find_item
from mbcnav.knowledge.schema import KINDS, ItemBase, KnowledgeBase, Symptom

AUDIENCE = typer.Option(Audience.public, "--audience", "-a", help="public (plain words) or clinician.")


_LEVEL_STYLE: dict[str, tuple[str, str]] = {
    "emergency": ("bold white on red", "red"),
    "urgent": ("bold black on yellow", "yellow"),
    "routine": ("bold white on green", "green"),
}


def _action_panel(item: ItemBase, audience: Audience) -> Panel | None:
    """A symptom's level and what to do now: shown first, coloured by level, in the chosen voice."""
    if not isinstance(item, Symptom):
        return None
    badge, border = _LEVEL_STYLE.get(item.level, ("bold", "white"))
    action = item.action_public if audience is Audience.public else item.action_clinician
    title = f"[{badge}] {item.level.upper()} [/]  [bold]What to do now[/]"
    return Panel(Text(action), title=title, title_align="left", border_style=border, expand=False)


def _facts_table(item: ItemBase, audience: Audience) -> Table | None:
    rows = shown_fields(item, audience.value)
    if not rows:
        return None
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for view, value in rows:
        shown = "\n".join(f"• {v}" for v in value) if isinstance(value, tuple) else value
        table.add_row(view.label, Text(shown))
    return table


def render_item(kb: KnowledgeBase, item: ItemBase, audience: Audience) -> None:
    action = _action_panel(item, audience)
    if action is not None:
        console.print(action)
    body = item.public if audience is Audience.public else item.clinician
    question = getattr(item, "question", None)
    if question:
        body = f"**{question}**\n\n{body}"
    console.print(Panel(Markdown(body), title=f"[bold]{item.title}[/]  ({item.kind})", expand=False))
    table = _facts_table(item, audience)
    if table is not None:
        console.print(table)
    more = len(shown_fields(item, "clinician")) > len(shown_fields(item, "public"))
    if audience is Audience.public and more:
        hidden = [v.label.lower() for v in VIEWS.get(item.kind, ()) if v.voices == ("clinician",)]
        # name what the clinician voice adds (for a drug: how it works, side effects, checks), so a
        # reader knows it is there; those texts use medical words above the public reading grade
        what = f" ({', '.join(hidden)}, in medical words)" if hidden else ""
        console.print(f"[dim]More detail{what}: add --audience clinician.[/]")
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
        try:
            item = find_drug(kb, name)
        except DrugNoteError as note:
            # A name mbcnav knows without a page of its own: an answer, not an error.
            console.print(f"[yellow]note:[/] {note}")
            return
        render_item(kb, item, audience)

    @app.command()
    def tour(audience: Audience = AUDIENCE) -> None:
        """An interactive walk through the whole knowledge base, section by section, in the terminal."""
        run_tour(load_knowledge_base(), audience)


#: The tour's sections: every kind of item, in the order a newly diagnosed reader needs them.
TOUR_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("The basics", ("topic",)),
    ("Types of breast cancer", ("subtype",)),
    ("Where it spreads", ("site",)),
    ("Symptoms and what to do", ("symptom",)),
    ("Tests", ("test",)),
    ("Treatments", ("treatment", "regimen")),
    ("Medicines", ("drug",)),
    ("Survival numbers", ("statistic",)),
    ("Causes and risk", ("risk_factor",)),
    ("Questions people ask", ("faq",)),
    ("Help and support", ("resource",)),
)
_QUIT = {"q", "quit", "exit"}


def _tour_menu(kb: KnowledgeBase, section: int | None) -> tuple[str, list[tuple[str, ItemBase | int]]]:
    if section is None:
        entries: list[tuple[str, ItemBase | int]] = []
        for n, (title, kinds) in enumerate(TOUR_SECTIONS):
            count = sum(len(kb.of_kind(k)) for k in kinds)
            if count:
                entries.append((f"{title} ({count})", n))
        return "Sections", entries
    title, kinds = TOUR_SECTIONS[section]
    return title, [(item.title, item) for kind in kinds for item in kb.of_kind(kind)]


def run_tour(kb: KnowledgeBase, audience: Audience) -> None:
    """The tour loop. End of input (Ctrl-D) or Ctrl-C ends it quietly, like q."""
    console.print(Panel(DISCLAIMER, title="mbcnav", expand=False))
    console.print("[bold red]Need help now?[/] Type [bold]help[/] for what to do today and when to call 911.")
    section: int | None = None
    while True:
        heading, entries = _tour_menu(kb, section)
        console.print(f"\n[bold]{heading}[/]")
        for n, (label, _) in enumerate(entries, 1):
            console.print(f"  [bold]{n:>2}[/] {label}")
        hint = "b to go back, " if section is not None else ""
        try:
            choice = Prompt.ask(f"Pick a number, type a topic, {hint}or q to quit", default="q").strip()
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        if choice.lower() in _QUIT:
            return
        if choice.lower() in {"b", "back"}:
            section = None
            continue
        if choice.isdigit():
            n = int(choice)
            if not 1 <= n <= len(entries):
                console.print(
                    f"[yellow]There is no number {n} here. Pick a number from 1 to {len(entries)}.[/]"
                )
                continue
            target = entries[n - 1][1]
            if isinstance(target, int):
                section = target
            else:
                render_item(kb, target, audience)
            continue
        try:
            render_item(kb, find_item(kb, choice), audience)
        except UnknownTopicError as exc:
            console.print(f"[yellow]{exc}[/]")
