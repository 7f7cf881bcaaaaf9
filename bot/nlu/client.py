"""HTTP client for Rasa's `/model/parse`. The aiohttp session is created by the app's start-up."""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.core.types import ParseResult


class NluUnavailable(RuntimeError):
    """Rasa did not answer (down, starting, overloaded)."""


class RasaClient:
    def __init__(self, http: aiohttp.ClientSession, base_url: str, token: str,
                 timeout_seconds: float) -> None:
        self._http = http
        self._url = base_url.rstrip("/")
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    async def parse(self, text: str) -> tuple[ParseResult, dict[str, Any]]:
        try:
            async with self._http.post(
                f"{self._url}/model/parse", params={"token": self._token},
                json={"text": text}, timeout=self._timeout,
            ) as response:
                if response.status != 200:
                    raise NluUnavailable(f"Rasa answered HTTP {response.status}")
                data: dict[str, Any] = await response.json()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise NluUnavailable(type(exc).__name__) from exc
        return ParseResult.from_rasa(data), data

    async def ready(self) -> bool:
        """True once Rasa is up with a model loaded."""
        try:
            async with self._http.get(f"{self._url}/status", params={"token": self._token},
                                      timeout=aiohttp.ClientTimeout(total=3)) as response:
                if response.status != 200:
                    return False
                data = await response.json()
                return bool(data.get("model_file"))
        except (aiohttp.ClientError, TimeoutError):
            return False
