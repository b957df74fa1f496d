"""Files built from metric frames: page downloads, the monthly Excel pack and the Word report.
Nothing here knows Streamlit."""
