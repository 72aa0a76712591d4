"""Choose the profile to tag nodes with: one of the known profiles, or a new one typed in."""

from __future__ import annotations

import re
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.validation import Regex
from textual.widgets import Input, Label, OptionList, Static

PROFILE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]*"


class ProfileScreen(ModalScreen[str | None]):
    """Returns the chosen profile, or None on `esc`."""

    AUTO_FOCUS = "#profile"
    BINDINGS: ClassVar = [Binding("escape", "dismiss(None)", "Cancel", id="cancel")]
    DEFAULT_CSS = """
    ProfileScreen { align: center middle; }
    ProfileScreen > Vertical {
        width: 64; max-width: 95%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    ProfileScreen #targets { color: $text-muted; max-height: 4; margin-bottom: 1; }
    ProfileScreen OptionList { height: auto; max-height: 8; }
    ProfileScreen #error { color: $error; height: auto; }
    """

    def __init__(self, title: str, targets: list[str], profiles: list[str]) -> None:
        super().__init__()
        self.title_text = title
        self.targets = targets
        self.profiles = profiles

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title")
            yield Static(", ".join(self.targets), id="targets")
            yield Input(
                placeholder="profile (type a new one, or pick below)",
                suggester=SuggestFromList(self.profiles, case_sensitive=False),
                validators=[
                    Regex(f"^{PROFILE_PATTERN}$", failure_description="letters, digits, _ . -")
                ],
                id="profile",
            )
            yield Static("", id="error")
            yield OptionList(*self.profiles, id="known")

    @on(Input.Submitted, "#profile")
    def _typed(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if not re.fullmatch(PROFILE_PATTERN, value):
            self.query_one("#error", Static).update(
                "A profile is letters, digits, '_', '.' or '-' (no spaces, ':' or ',')."
            )
            return
        self.dismiss(value)

    @on(OptionList.OptionSelected, "#known")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(str(event.option.prompt))
