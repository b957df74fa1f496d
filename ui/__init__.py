"""The page layer's shared pieces (Streamlit allowed here and in pages/, nowhere below)."""
