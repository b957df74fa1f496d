"""What the leaders' pages draw, built from the metrics frames of `ui.data` and cached per data version,
filters and language. A page reads its filters and calls these; each `draw_*` is cached with
`st.cache_data`, whose element replay sends the same charts and cards again at the next rerun without
rebuilding or re-serialising them (the page benchmark, bench/pages.py, measures what that saves)."""
