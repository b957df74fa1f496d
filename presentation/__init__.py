"""The presentation layer: between the metrics engine and the three front ends (pages, CLI, reports).

It opens the metric inputs once, read-only (`inputs`), and turns metric frames into what people read:
numbers in one convention per language (`numbers`), reasons and flags as sentences (`reasons`), and the
records the CLI prints as JSON (`records`). Nothing here imports Streamlit; pages cache it, the CLI prints
it, reports lay it out. See ARCHITECTURE.md."""
