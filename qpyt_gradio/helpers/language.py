"""Which language a prompt is in, by counting words typical of each language.

Prompts are short and often lists of tags, so the profile mixes grammar words with the
vocabulary of image prompts, plus French accented letters. Good enough to decide whether to
run a French→English translator, and transparent about why.
"""

from __future__ import annotations

import re

WORDS = {
    "fr": (
        "le la les un une des du de et est avec sur dans pour au aux en ce cette ces qui que par sous sans très "
        "chat chien femme homme fille garçon maison forêt ciel nuit soleil lumière couleur paysage ville rue mer "
        "montagne fleur fleurs arbre arbres rouge bleu vert noir noire blanc blanche jaune beau belle grand grande "
        "petit petite haute qualité détaillé réaliste coucher lever plage neige pluie nuage nuages lune étoiles"
    ),
    "en": (
        "the a an and is with on in for of to at by under without very this that these which "
        "cat dog woman man girl boy house forest sky night sun light color colour landscape city street sea "
        "mountain flower flowers tree trees red blue green black white yellow beautiful big small high quality "
        "detailed realistic sunset sunrise beach snow rain cloud clouds moon stars masterpiece best"
    ),
    "es": "el la los las un una unos y es con en para por del al que muy sin sobre gato perro mujer hombre casa",
    "de": "der die das ein eine und ist mit auf im in für von zu den dem nicht sehr katze hund frau mann haus",
    "it": "il lo la gli le un una e è con su nel per di del che molto senza gatto cane donna uomo casa",
    "pt": "o a os as um uma e é com em no na para por do da que muito sem gato cão mulher homem casa",
}
LANGUAGE_NAMES = {"fr": "French", "en": "English", "es": "Spanish", "de": "German", "it": "Italian", "pt": "Portuguese"}
_VOCABULARY = {language: frozenset(words.split()) for language, words in WORDS.items()}
_FRENCH_LETTERS = re.compile(r"[éèêëàâçùûüîïôœ]")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def language_scores(text: str) -> dict[str, float]:
    """A score per language: words of its profile, plus half a point per French accented letter."""
    words = [word.lower() for word in _WORD.findall(text)]
    words = [part for word in words for part in re.split(r"['’]", word)]
    scores = {language: float(sum(word in known for word in words)) for language, known in _VOCABULARY.items()}
    scores["fr"] += 0.5 * len(_FRENCH_LETTERS.findall(text.lower()))
    return scores


def detect_language(text: str) -> str | None:
    """The most likely language code, or None when no profile matches at all."""
    scores = language_scores(text)
    best = max(scores, key=scores.get)
    return best if scores[best] > 0 else None
