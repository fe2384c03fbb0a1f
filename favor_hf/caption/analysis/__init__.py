"""Analyses of the caption score that read its alignment and never change it."""
