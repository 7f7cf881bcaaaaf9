"""The user's own data: the privacy notice, a copy of what is stored (/mydata) and deletion
(/delete, only after a confirmation). Pure: the machine calls `privacy_step` for these
commands and returns its effect; the service carries it out (bot/privacy/).

The commands arrive only as payloads (a command or a button: confidence 1), never from the
classifier, so no sentence can delete anyone's data by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bot.core.dialogue import Policy, Translate
from bot.core.types import Button, ConversationState, Reply

PRIVACY = "privacy"
MY_DATA = "my_data"
DELETE = "delete_data"
DELETE_CONFIRM = "delete_confirm"
DELETE_CANCEL = "delete_cancel"
PRIVACY_INTENTS = frozenset({PRIVACY, MY_DATA, DELETE, DELETE_CONFIRM, DELETE_CANCEL})
CONFIRM_DELETE = "confirm_delete"  # the pending question "really delete everything?"

Effect = Literal["export", "erase"]


@dataclass
class Step:
    replies: list[Reply] = field(default_factory=list)
    effect: Effect | None = None


def is_privacy_command(intent: str | None, confidence: float) -> bool:
    return intent in PRIVACY_INTENTS and confidence >= 1.0


def privacy_buttons(tr: Translate) -> list[Button]:
    return [Button(tr("button:my_data"), f"/{MY_DATA}"),
            Button(tr("button:delete_data"), f"/{DELETE}")]


def notice(tr: Translate, policy: Policy) -> Reply:
    text = tr("privacy", days=policy.retention_days, handoff_days=policy.handoff_retention_days)
    return Reply(text, privacy_buttons(tr), kind="privacy")


def privacy_step(state: ConversationState, intent: str, tr: Translate, policy: Policy) -> Step:
    """What one privacy command does. Deletion needs the question first: a confirmation
    without it (an old button, a typed payload) asks again."""
    if intent in (PRIVACY, MY_DATA):
        forget_question(state)
    if intent == PRIVACY:
        return Step([notice(tr, policy)])
    if intent == MY_DATA:
        return Step([Reply(tr("my_data_ready"), kind="my_data")], "export")
    if intent == DELETE_CONFIRM and state.pending == CONFIRM_DELETE:
        state.pending = None
        return Step([Reply(tr("data_deleted"), kind="data_deleted")], "erase")
    if intent == DELETE_CANCEL:
        if state.pending == CONFIRM_DELETE:
            state.pending = None
        return Step([Reply(tr("delete_cancelled"), kind="privacy")])
    state.pending = CONFIRM_DELETE  # /delete, or a confirmation nobody asked for
    buttons = [Button(tr("button:delete_confirm"), f"/{DELETE_CONFIRM}"),
               Button(tr("button:delete_cancel"), f"/{DELETE_CANCEL}")]
    return Step([Reply(tr("delete_question"), buttons, kind="delete_question")])


def forget_question(state: ConversationState) -> None:
    """Any other message answers "really delete?" with no: a later press deletes nothing."""
    if state.pending == CONFIRM_DELETE:
        state.pending = None
