"""Whitespace tokens whose lemma is the shared normalisation (`bot.core.names.normalise`):
the sparse featurizers then see "Düsseldorf", "Duesseldorf" and "dusseldorf", or "قريبًا"
and "قريبا", or "إقامة" and "اقامة", as the same word. Token text and offsets stay as typed."""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.core.names import normalise


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class NormalisingTokenizer(WhitespaceTokenizer):
    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        return [Token(t.text, t.start, t.end, t.data, normalise(t.text) or t.text)
                for t in super().tokenize(message, attribute)]
