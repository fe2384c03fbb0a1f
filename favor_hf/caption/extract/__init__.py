"""Step 1 of the caption metric: a free-form caption -> the official structured extraction.

``extractor`` runs the official notebook's pipeline (NLTK); ``lexicon``, ``set_orders``,
``camera``, ``subjects``, ``actions`` and ``verbs`` hold its word lists and rules.
"""
