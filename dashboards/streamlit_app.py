"""Platform Pulse dashboard entry point: page setup and navigation only; the pages live in app_pages/."""

import streamlit as st

st.set_page_config(page_title="Platform Pulse", page_icon=":material/monitoring:", layout="wide")

pages = [
    st.Page("app_pages/overview.py", title="Overview", icon=":material/insights:", default=True),
    st.Page("app_pages/drilldown.py", title="Drill-down", icon=":material/table_rows:"),
    st.Page("app_pages/surveys.py", title="Developer surveys", icon=":material/sentiment_satisfied:"),
    st.Page("app_pages/adoption.py", title="Platform adoption", icon=":material/conversion_path:"),
    st.Page("app_pages/about_metrics.py", title="About the metrics", icon=":material/menu_book:"),
]
st.navigation(pages).run()
