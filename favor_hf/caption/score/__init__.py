"""Step 2 of the caption metric: extraction vs reference -> the 13 official scores.

Read it as embed -> match -> score: ``encoder``, ``embed`` and ``embed_cache`` turn strings into
Sentence-BERT vectors, ``similarity`` and ``match`` align the two sides under the tie rule of
``ties``, ``captions`` computes the scores and ``signature`` names what decided them.
"""
