"""Typed application keys shared by the app factory and the routes."""

from __future__ import annotations

import jinja2
from aiohttp import web

from bot.i18n import Translator
from bot.kb.model import Knowledge
from bot.nlu.client import RasaClient
from bot.service import ChatService
from bot.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
SERVICE = web.AppKey("service", ChatService)
RASA = web.AppKey("rasa", RasaClient)
TRANSLATORS = web.AppKey("translators", dict[str, Translator])
KNOWLEDGE = web.AppKey("knowledge", Knowledge)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
