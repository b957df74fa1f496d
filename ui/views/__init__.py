"""The code behind the pages, one module per page or section, built from the metrics frames of `ui.data`
and cached per data version, filters and language: overview, localities, maps, trends (the leaders'
pages), profile (Hồ sơ đơn vị), upload and completeness_grid (Nộp số liệu), admin/ (Quản trị, one module
per tab). A page starts from `ui.frame.start`, reads its filters and calls these; each `draw_*` is cached
with `st.cache_data`, whose element replay sends the same charts and cards again at the next rerun
without rebuilding or re-serialising them (the page benchmark, bench/pages.py, measures what that saves).
Words and numbers come from `presentation/`; nothing here decides a business rule."""
