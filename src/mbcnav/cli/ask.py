"""`mbcnav ask "QUESTION"`: answers from the cited knowledge base, red flags first."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.markdown import Markdown
from rich.panel import Panel

from mbcnav import DISCLAIMER
from mbcnav.cli.common import Audience, console, print_json
from mbcnav.search.models import MAX_K

if TYPE_CHECKING:
    from mbcnav.search import AskResult


#: a plain next step when nothing matched (the web Ask page's words)
_NO_MATCH_NEXT_STEP = "mbcnav has no page that answers this well. Please ask your care team."


def _voice(public: str, clinician: str, audience: Audience) -> str:
    return public if audience is Audience.public else clinician


def render(result: AskResult, audience: Audience) -> None:
    """Red-flag panel (what to do now) before anything else, then the ranked items."""
    if result.red_flags:
        lines = []
        advice = (result.advice or {}).get(audience.value, "")
        for rf in result.red_flags:
            text = _voice(rf.public, rf.clinician, audience)
            name = getattr(rf, "title", None) or rf.code.replace("_", " ")
            lines.append(f"[bold]{name}[/] ({rf.urgency})")
            lines.append(text)
            if rf.sources:
                lines.append(f"[dim]sources: {', '.join(rf.sources)}[/]")
            lines.append("")
            advice = advice.replace(text, "")  # triage's advice repeats each flag's text
        advice = advice.strip().rstrip("-–: ")
        if advice:
            lines.append(f"[bold]What to do now:[/] {advice}")
        title = f"[bold white on red] {(result.urgency or 'urgent').upper()}: get help now [/]"
        console.print(Panel("\n".join(lines).strip(), title=title, border_style="red", expand=False))
    if result.corrections:
        fixed = ", ".join(f"'{a}' as '{b}'" for a, b in result.corrections.items())
        console.print(f"[dim]Read {fixed}.[/]")
    if result.scope_note:
        console.print(f"[yellow]{result.scope_note}[/]")
    clinician = audience is Audience.clinician
    if result.no_good_match:
        console.print(f"[yellow]No good match in the knowledge base for:[/] {result.question}")
        if result.suggestions and clinician:
            console.print("Topics you could start from (mbcnav learn ID):")
            for s in result.suggestions:
                console.print(f"  • {s.title} [dim]({s.id})[/]")
        elif not clinician:  # ids and commands are for clinicians and tools; a patient gets titles
            console.print(_NO_MATCH_NEXT_STEP + (" You could read:" if result.suggestions else ""))
            for s in result.suggestions:
                console.print(f"  • {s.title}")
    for n, answer in enumerate(result.answers, 1):
        body = _voice(answer.public, answer.clinician, audience)
        if answer.action:
            body += f"\n\n**What to do:** {answer.action}"
        if clinician:
            meta = f"{answer.kind}, {answer.id}, score {answer.score:.1f}"
            title = f"[bold]{n}. {answer.title}[/]  [dim]({meta})[/]"
        else:
            title = f"[bold]{n}. {answer.title}[/]"
        subtitle = f"sources: {', '.join(answer.sources)}"
        console.print(Panel(Markdown(body), title=title, subtitle=subtitle, subtitle_align="left",
                            expand=False))
    console.print(f"[dim]{DISCLAIMER}[/]")


def register(app: typer.Typer) -> None:
    @app.command("ask")
    def ask_command(
        question: list[str] = typer.Argument(
            ..., help="Your question in your own words; quotes are optional (ask is stage 4 curable)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON (the Ask format)."),
        audience: Audience | None = typer.Option(
            None,
            "--audience",
            "-a",
            help="public (plain words) or clinician; if not given, the question's wording decides "
            "(clinicians' shorthand such as 'ESR1m 2L options' gets the clinician voice; a question "
            "about oneself, 'my ANC is 800, is that bad', the public voice).",
        ),
        k: int = typer.Option(5, "-k", help=f"How many answers, at most (1-{MAX_K})."),
    ) -> None:
        """Answer a question from the knowledge base; emergencies come first."""
        # Unquoted words arrive one per argument; the question is all of them.
        from mbcnav.search import ask  # loaded here: the engine takes a second to import

        result = ask(" ".join(question), audience=audience.value if audience else None, k=k)
        if as_json:
            print_json(result.model_dump(mode="json"))
            return
        render(result, Audience(result.audience))
