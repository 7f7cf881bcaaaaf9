"""Form validation with WTForms; every POST form carries a session-bound CSRF token
(`SessionCSRF`, its secret derived from the console's session key)."""

from __future__ import annotations

import datetime as dt
from collections.abc import MutableMapping
from typing import Any, TypeVar

from aiohttp import web
from aiohttp_session import get_session
from multidict import MultiDictProxy
from wtforms import Form, PasswordField, StringField, TextAreaField  # type: ignore[import-untyped]
from wtforms.csrf.session import SessionCSRF  # type: ignore[import-untyped]
from wtforms.validators import (  # type: ignore[import-untyped]
    AnyOf,
    DataRequired,
    EqualTo,
    Length,
    Regexp,
    ValidationError,
)

from bot.console.auth import MAX_PASSWORD, MIN_PASSWORD, ROLES
from bot.console.state import SESSION_MAX_AGE, STATE
from bot.core.types import LANGUAGES

USERNAME = r"^[a-z0-9][a-z0-9._-]{1,63}$"
TEXT_LIMIT = 4000


class _CSRF(SessionCSRF):  # type: ignore[misc]
    """SessionCSRF that refuses (instead of failing with KeyError) when the session has
    never been given a token, e.g. a forged POST without the console's cookie."""

    def validate_csrf_token(self, form: Any, field: Any) -> None:
        if "csrf" not in self.session:
            raise ValidationError("CSRF token missing.")
        super().validate_csrf_token(form, field)


class CsrfForm(Form):  # type: ignore[misc]
    class Meta:
        csrf = True
        csrf_class = _CSRF
        csrf_time_limit = dt.timedelta(seconds=SESSION_MAX_AGE)


class LoginForm(CsrfForm):
    username = StringField(validators=[DataRequired(), Length(max=64)])
    password = PasswordField(validators=[DataRequired(), Length(max=MAX_PASSWORD)])


class TextForm(CsrfForm):
    text = TextAreaField(validators=[DataRequired(), Length(max=TEXT_LIMIT)])


class InviteForm(CsrfForm):
    username = StringField(validators=[DataRequired(), Regexp(USERNAME)],
                           filters=[lambda v: (v or "").strip().lower()])
    display_name = StringField(validators=[DataRequired(), Length(max=80)],
                               filters=[lambda v: (v or "").strip()])
    role = StringField(validators=[AnyOf(ROLES)])


class PasswordForm(CsrfForm):
    password = PasswordField(validators=[DataRequired(), Length(MIN_PASSWORD, MAX_PASSWORD)])
    confirm = PasswordField(validators=[EqualTo("password")])


class OwnPasswordForm(PasswordForm):
    """One's own new password (twice), with the current one."""

    current = PasswordField(validators=[DataRequired(), Length(max=MAX_PASSWORD)])


class PresenceForm(CsrfForm):
    presence = StringField(validators=[AnyOf(("online", "away"))])


class LanguageForm(CsrfForm):
    language = StringField(validators=[AnyOf(LANGUAGES)])


F = TypeVar("F", bound=CsrfForm)


def _meta(request: web.Request, session: MutableMapping[str, Any]) -> dict[str, Any]:
    return {"csrf_secret": request.config_dict[STATE].csrf_secret, "csrf_context": session}


async def csrf_token(request: web.Request) -> str:
    """The token for this session's forms (any form of the session accepts it)."""
    form = CsrfForm(meta=_meta(request, await get_session(request)))
    return str(form.csrf_token.current_token)


async def read_form(request: web.Request,
                    ) -> MultiDictProxy[str | bytes | bytearray | web.FileField]:
    try:
        return await request.post()
    except (ValueError, LookupError, AssertionError, UnicodeDecodeError):
        raise web.HTTPBadRequest(reason="the form cannot be read") from None


async def posted(request: web.Request, form_class: type[F]) -> F:
    """The submitted form, validated. A missing, wrong or expired CSRF token: 403; a body
    that cannot be read as a form (invalid UTF-8, an unknown charset, a broken multipart): 400."""
    data = await read_form(request)
    form = form_class(formdata=data, meta=_meta(request, await get_session(request)))
    form.validate()
    if form.csrf_token.errors:
        raise web.HTTPForbidden(reason="csrf")
    return form
