"""One line, in the user's own language, for a message written in a language that the NLU
understands but Lotse does not answer in: which languages Lotse speaks, and that the answer
follows in English. Pure data; the languages are those of bot.langid's `_FOREIGN`."""

from __future__ import annotations

FOREIGN_NOTICE: dict[str, str] = {
    "tr": "Almanca, İngilizce ve Arapça cevap veriyorum. Cevabım İngilizce:",
    "ru": "Я отвечаю на немецком, английском и арабском языках. Мой ответ на английском:",
    "fr": "Je réponds en allemand, en anglais et en arabe. Voici ma réponse en anglais :",
    "es": "Respondo en alemán, inglés y árabe. Esta es mi respuesta en inglés:",
    "it": "Rispondo in tedesco, inglese e arabo. Ecco la mia risposta in inglese:",
    "pl": "Odpowiadam po niemiecku, angielsku i arabsku. Oto moja odpowiedź po angielsku:",
    "pt": "Respondo em alemão, inglês e árabe. Esta é a minha resposta em inglês:",
    "nl": "Ik antwoord in het Duits, Engels en Arabisch. Hier is mijn antwoord in het Engels:",
    "zh": "我可以用德语、英语和阿拉伯语回答。以下是我的英文回答：",
    "ja": "ドイツ語、英語、アラビア語でお答えします。以下は英語での回答です：",
    "ko": "저는 독일어, 영어, 아랍어로 답변합니다. 다음은 영어로 된 답변입니다:",
    "th": "ฉันตอบเป็นภาษาเยอรมัน ภาษาอังกฤษ และภาษาอาหรับ นี่คือคำตอบของฉันเป็นภาษาอังกฤษ:",
}


def foreign_notice(code: str) -> str | None:
    return FOREIGN_NOTICE.get(code)
