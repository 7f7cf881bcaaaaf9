"""The console's own interface in de, en and ar (gettext domain `console`), right-to-left
Arabic pages, and the canned replies file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.console.app import create_console
from bot.console.canned import CANNED_FILE, load_canned
from bot.console.render import REFUSALS, accepted_language
from bot.console.transcript import REASONS
from bot.core.types import LANGUAGES
from bot.i18n import LOCALE_DIR, load_translators
from bot.kb.source import KnowledgeError
from tests.console.conftest import Console

CONSOLE = Path(__file__).resolve().parents[2] / "bot" / "console"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def catalog(lang: str) -> dict[str, str]:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "console.po").open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


def used_msgids() -> set[str]:
    """Literal msgids in the templates and code, and every value of the dynamic ones."""
    text = "".join(p.read_text() for p in [*CONSOLE.glob("templates/*.html"),
                                           *CONSOLE.glob("*.py")])
    found = set(re.findall(r"""_\(\s*["']([a-z_]+(?::[a-z_0-9]+)*)["']\s*[,)]""", text))
    found |= {f"status:{s}" for s in ("bot", "waiting", "human", "closed")}
    found |= {f"role:{r}" for r in ("admin", "staff", "counsellor")}
    found |= {f"presence:{p}" for p in ("online", "away")}
    found |= {f"lang:{lang}" for lang in LANGUAGES} | {"channel:web", "channel:telegram"}
    found |= {f"refused:{code}" for code in (*REFUSALS, "too_long")}
    found |= {f"transition:{r}" for r in (*REASONS, "other")}
    found |= {f"notice:done:{a}" for a in ("claim", "reply", "note", "release", "close",
                                           "welcome", "deactivate", "reactivate", "password")}
    found |= {f"password:{p}" for p in ("wrong", "locked", "short", "mismatch")}
    found |= {"notice:refused:self", "login:wrong", "login:locked", "invite:short",
              "invite:mismatch", "users:problem_invalid", "users:problem_taken"}
    found |= {f"account:{s}" for s in ("active", "locked", "invited", "invite_expired",
                                       "inactive")}
    found |= {f"error:{e}" for e in ("401", "403", "csrf", "404", "405", "413", "other")}
    return found


def test_three_complete_catalogs_with_the_same_placeholders() -> None:
    catalogs = {lang: catalog(lang) for lang in LANGUAGES}
    assert catalogs["de"].keys() == catalogs["en"].keys() == catalogs["ar"].keys()
    missing = used_msgids() - catalogs["en"].keys()
    assert not missing, missing
    for msgid, english in catalogs["en"].items():
        for lang in LANGUAGES:
            text = catalogs[lang][msgid]
            assert text.strip(), (lang, msgid)
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(english)), msgid
    assert catalogs["ar"]["refused:already_claimed"] == "استلم شخص آخر هذه المحادثة بالفعل."


def test_the_chat_domain_is_still_the_default() -> None:
    assert load_translators()["en"]("topic:registration") == "Registration"
    assert load_translators(domain="console")["de"]("nav:queue") == "Warteschlange"


def test_accept_language() -> None:
    assert accepted_language("fr-FR,fr;q=0.9,ar;q=0.8,en;q=0.7") == "ar"
    assert accepted_language("de-DE") == "de"
    assert accepted_language("fr, *;q=0.5") is None
    assert accepted_language("en;q=0, de;q=x") is None


async def test_login_page_language_and_direction(console: Console) -> None:
    arabic = await (await console.browser("ar").get("/console/login")).text()
    assert '<html lang="ar" dir="rtl">' in arabic and "تسجيل الدخول" in arabic
    german = await (await console.browser("ar").get("/console/login?lang=de")).text()
    assert '<html lang="de" dir="ltr">' in german and "Anmelden" in german


async def test_the_users_setting_wins_and_can_be_changed(console: Console) -> None:
    await console.user("nour", "counsellor")  # language "en"
    browser = console.browser("de")
    await browser.login("nour")
    page = await (await browser.get("/console/")).text()
    assert '<html lang="en" dir="ltr">' in page
    changed = await browser.post("/console/language", {"language": "ar",
                                                       "next": "//evil.example/"})
    assert changed.status == 303 and changed.headers["Location"] == "/console/"
    page = await (await browser.get("/console/")).text()
    assert '<html lang="ar" dir="rtl">' in page and "قائمة الانتظار" in page
    invalid = await browser.post("/console/language", {"language": "fr"})
    assert invalid.status == 400


def test_canned_replies_file_is_complete() -> None:
    replies = load_canned(CANNED_FILE)
    assert len(replies) >= 6
    assert {"greeting", "one_moment", "welcome_point", "get_back", "goodbye"} <= {
        r.id for r in replies}
    assert all(set(r.text) == set(LANGUAGES) == set(r.label) for r in replies)


@pytest.mark.parametrize(("content", "line", "field"), [
    ("replies:\n  - id: hi\n    label: {de: a, en: b, ar: c}\n    text: {de: x, en: y}\n",
     4, "ar"),
    ("replies:\n  - id: hi\n    label: {de: a, en: b, ar: c}\n    text: {de: x, en: y, ar: z}\n"
     "  - id: hi\n    label: {de: a, en: b, ar: c}\n    text: {de: x, en: y, ar: z}\n", 5, "id"),
    ("replies: [\n", 2, "(syntax)"),
    ("replies: []\n", 1, "replies"),
])
def test_a_broken_canned_file_names_file_and_line(tmp_path: Path, content: str, line: int,
                                                  field: str) -> None:
    path = tmp_path / "canned_replies.yml"
    path.write_text(content)
    with pytest.raises(KnowledgeError) as error:
        create_console(canned_file=path)
    assert (error.value.path, error.value.line, error.value.field) == (path, line, field)
    assert str(error.value).startswith(f"{path}:{line}:")


def test_lotse_check_validates_the_canned_replies_too(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    from bot import cli
    from bot.console import canned

    assert cli.main(["check"]) == 0
    out = capsys.readouterr().out
    assert "knowledge:" in out and f"canned replies: {len(load_canned())}" in out
    broken = tmp_path / "canned_replies.yml"
    broken.write_text("replies:\n  - id: hi\n    label: {de: a, en: b, ar: c}\n"
                      "    text: {de: x, en: y}\n")
    monkeypatch.setattr(canned, "CANNED_FILE", broken)
    with pytest.raises(SystemExit) as stopped:
        cli.main(["check"])
    assert stopped.value.code == 2
    assert f"canned replies are broken, not starting: {broken}:4:" in capsys.readouterr().out
