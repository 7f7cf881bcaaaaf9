"""Rasa SDK custom actions. The app instantiates them with their dependencies and runs them
in-process (see `bot.actions_runner`); they stay thin and call the pure modules in `bot.kb`."""

from __future__ import annotations

from rasa_sdk import Action

from actions.clarify import ActionClarify
from actions.common import Resources
from actions.emergency import ActionEmergency
from actions.faq import ActionAnswerFaq, ActionResponsibleOffice
from actions.welcome_point import ActionFindWelcomePoint, ActionSwitchCity


def build_actions(resources: Resources) -> dict[str, Action]:
    actions: list[Action] = [
        ActionAnswerFaq(resources), ActionResponsibleOffice(resources),
        ActionFindWelcomePoint(resources), ActionSwitchCity(resources),
        ActionEmergency(resources), ActionClarify(resources),
    ]
    return {action.name(): action for action in actions}


__all__ = ["Resources", "build_actions"]
