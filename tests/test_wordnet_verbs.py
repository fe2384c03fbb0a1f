"""The verb-only WordNet reader answers exactly as NLTK's WordNet (lemmas, synsets, lemma names)."""

from __future__ import annotations

import pytest

from favor_hf.caption.extract.verbs import VerbAnalyzer, wordnet_verbs
from favor_hf.resources import load_word_lists


@pytest.fixture(scope="module")
def vocabulary() -> list[str]:
    """Every word of the official verb lists with its inflections, plus WordNet's irregular verb forms."""
    from nltk.data import find

    words = load_word_lists()
    vocabulary = {"", "a", "us", "Walks", "WALKED", "better", "zzzing"}
    for phrase in words["COMMON_VERBS"] + words["PHRASAL_VERBS"]:
        for word in phrase.split():
            vocabulary.update(
                {word, word + "s", word + "es", word + "ed", word + "ing", word + "ies", word.capitalize()}
            )
    with find("corpora/wordnet").join("verb.exc").open(encoding="utf8") as lines:
        for line in lines:
            vocabulary.update(line.split())
    return sorted(vocabulary)


def test_same_answers_as_nltk(vocabulary) -> None:
    from nltk.corpus import wordnet
    from nltk.stem import WordNetLemmatizer

    verbs, lemmatizer = wordnet_verbs(), WordNetLemmatizer()
    assert len(vocabulary) > 5000
    for word in vocabulary:
        assert verbs.lemma(word) == lemmatizer.lemmatize(word, "v"), word
        synsets = wordnet.synsets(word, pos=wordnet.VERB)
        assert verbs.synsets(word) == [synset.offset() for synset in synsets], word
        for synset in synsets:
            assert verbs.lemma_names(synset.offset()) == [lemma.name() for lemma in synset.lemmas()], word


def test_analyzer_relations() -> None:
    words = load_word_lists()
    analyzer = VerbAnalyzer(words["COMMON_VERBS"] + words["PHRASAL_VERBS"])
    assert analyzer.core_verb("The man walked slowly to the door") == "walk"
    assert analyzer.related("walks", "walking")
    assert analyzer.related("pans", "tilt") is False
    assert analyzer.related("shout", "yell")  # WordNet synonyms
    assert analyzer.related("sit", "seat")  # hand-written pair
    assert not analyzer.related("jump", "sleep")


def test_bad_offset_names_the_file() -> None:
    with pytest.raises(ValueError, match="data.verb"):
        wordnet_verbs().lemma_names(1)
