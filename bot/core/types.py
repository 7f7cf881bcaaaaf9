"""Plain data passed between the channels, the NLU client, the dialogue core and actions."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

LANGUAGES: tuple[str, ...] = ("de", "en", "ar")
TOPICS: tuple[str, ...] = (
    "residence", "registration", "housing", "school", "work",
    "language", "health", "family", "benefits", "social",
)
META_INTENTS: tuple[str, ...] = (
    "greet", "goodbye", "thanks", "affirm", "deny", "bot_challenge", "find_welcome_point",
    "human_handoff", "emergency", "out_of_scope", "change_language", "inform",
)
FALLBACK_INTENT = "nlu_fallback"
# How much the ResponseSelector's FAQ ranking counts, against DIET's topic ranking, when the
# two disagree about the topic (`ParseResult.joint_topic`). Chosen among 0.5 / 1 / 2 / 4 on
# the held-out set (README, "Understanding"); 0 turns the joint decision off.
FAQ_WEIGHT_FOR_TOPIC = 2.0


@dataclass(frozen=True)
class Entity:
    kind: str
    value: str


@dataclass(frozen=True)
class ParseResult:
    """The part of Rasa's `/model/parse` answer that the dialogue needs."""

    intent: str | None
    confidence: float
    ranking: tuple[tuple[str, float], ...] = ()
    faq_key: str | None = None  # "topic/faq_key" from the ResponseSelector
    faq_confidence: float = 0.0
    entities: tuple[Entity, ...] = ()
    # cosine similarity to the nearest training example (None: not computed), and whether
    # the NLU found the message unlike all of them (then the intent is nlu_fallback)
    similarity: float | None = None
    novel: bool = False
    nearest: str | None = None  # the intent of the most similar training example
    faq_ranking: tuple[tuple[str, float], ...] = ()  # the ResponseSelector's top FAQ keys

    def entity(self, kind: str) -> str | None:
        return next((e.value for e in self.entities if e.kind == kind), None)

    @classmethod
    def from_rasa(cls, data: dict[str, Any]) -> ParseResult:
        intent = data.get("intent") or {}
        ranking = tuple(
            (str(r["name"]), float(r.get("confidence") or 0.0))
            for r in data.get("intent_ranking") or []
        )
        selector = (data.get("response_selector") or {}).get("default") or {}
        response = selector.get("response") or {}
        entities = tuple(
            Entity(str(e["entity"]), str(e["value"])) for e in data.get("entities") or []
        )
        novelty = data.get("novelty") or {}
        similarity = novelty.get("similarity")
        faq_ranking = tuple(
            (str(r["intent_response_key"]), float(r.get("confidence") or 0.0))
            for r in selector.get("ranking") or [] if r.get("intent_response_key")
        )
        return cls(
            intent=intent.get("name"),
            confidence=float(intent.get("confidence") or 0.0),
            ranking=ranking,
            faq_key=response.get("intent_response_key"),
            faq_confidence=float(response.get("confidence") or 0.0),
            entities=entities,
            similarity=float(similarity) if similarity is not None else None,
            novel=bool(novelty.get("novel")),
            nearest=str(novelty["nearest"]) if novelty.get("nearest") else None,
            faq_ranking=faq_ranking,
        ).joint_topic(FAQ_WEIGHT_FOR_TOPIC)

    def joint_topic(self, faq_weight: float) -> ParseResult:
        """The topic both classifiers agree on best. DIET ranks the topics, the
        ResponseSelector ranks the FAQs, each of which belongs to a topic: when DIET's top
        intent is a topic, take the topic with the highest DIET probability plus `faq_weight`
        times the probability of its FAQs ("my residence permit, can I get Bürgergeld" —
        DIET: residence, the FAQ: benefits/buergergeld — is benefits). The confidence is the
        larger of the two classifiers' confidence in that topic. Meta intents (emergency,
        greet, …) and fallbacks are left as they are."""
        if self.intent not in TOPICS or not self.faq_ranking:
            return self
        diet = dict(self.ranking)
        diet.setdefault(self.intent, self.confidence)
        faqs: dict[str, float] = {}
        for key, confidence in self.faq_ranking:
            topic = key.split("/")[0]
            faqs[topic] = faqs.get(topic, 0.0) + confidence
        best = max(TOPICS, key=lambda t: diet.get(t, 0.0) + faq_weight * faqs.get(t, 0.0))
        return replace(self, intent=best,
                       confidence=max(diet.get(best, 0.0), faqs.get(best, 0.0)))


@dataclass(frozen=True)
class Button:
    """A button: sends `payload` back as the user's choice, or, with `url`, opens a page."""

    title: str
    payload: str = ""
    url: str | None = None


@dataclass(frozen=True)
class Link:
    """A named link under a reply (a source): the label is shown, never the bare address.
    Without a url (a council document that is not online) the label is shown as text."""

    label: str
    url: str | None = None


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float
    name: str = ""
    address: str = ""


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply (the user's data as JSON). Never stored with the message."""

    filename: str
    content: str
    mime_type: str = "application/json"


@dataclass
class Reply:
    text: str
    buttons: list[Button] = field(default_factory=list)
    kind: str = "text"  # text | emergency | faq | welcome_point | office | clarify | ...
    ref: str | None = None  # what the reply is about: a FAQ intent, a topic, a point id
    links: list[Link] = field(default_factory=list)  # its sources, shown by name
    attachment: Attachment | None = None

    def details(self) -> dict[str, Any] | None:
        """What is stored besides text and kind (None when there is nothing)."""
        details: dict[str, Any] = {}
        if self.buttons:
            details["buttons"] = [[b.title, b.payload, b.url] if b.url else [b.title, b.payload]
                                  for b in self.buttons]
        if self.links:
            details["links"] = [[link.label, link.url] for link in self.links]
        if self.ref is not None:
            details["ref"] = self.ref
        return details or None

    @classmethod
    def stored(cls, text: str, kind: str, details: dict[str, Any] | None) -> Reply:
        """The reply again, from what `details()` stored."""
        details = details or {}
        return cls(text, [Button(*b) for b in details.get("buttons", [])],
                   kind, details.get("ref"),
                   [Link(label, url) for label, url in details.get("links", [])])


HANDOFF_COLUMNS = ("status", "assignee")  # not in the JSON: the conversation's columns


@dataclass
class ConversationState:
    """What the dialogue remembers between turns (stored as JSON on the conversation)."""

    language: str = "de"
    language_explicit: bool = False
    city: str = "duesseldorf"
    misses: int = 0
    pending: str | None = None  # e.g. "welcome_point_location", "confirm_city:leipzig"
    urgent: bool = False
    last_topic: str | None = None
    place_ref: str | None = None  # a postcode or quarter id awaiting a city switch
    onboarding: str | None = None  # "language" | "city" while the first-contact flow runs
    # the handoff (bot/core/handoff.py); stored in the conversation's own columns
    status: str = "bot"  # bot | waiting | human | closed
    assignee: int | None = None  # the counsellor handling the conversation
    wait_notified: bool = False  # "this takes longer" was said for the current wait

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in HANDOFF_COLUMNS}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None, **defaults: Any) -> ConversationState:
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        return cls(**{**defaults, **known})


@dataclass
class Incoming:
    """One user message as any channel hands it to the service."""

    channel: str
    sender: str
    text: str
    language_hint: str | None = None  # browser language or Telegram's language_code
    location: Location | None = None
    payload: str | None = None  # a pressed button
    key: str | None = None  # the channel's id of this message: handled at most once
