"""What the test suite and the benchmarks share: throw-away databases on both backends (`databases`), a
real server to drive in Chromium (`live_server`), the corpus of files offices get wrong (`bad_files`), the
crash and fuzz drivers (`crash`, `fuzz`) and the project's paths (`project`). tests/ and bench/ both import
this package; neither imports the other."""
