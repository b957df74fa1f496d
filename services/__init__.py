"""Access control between the pages/CLI and the layers below: who may do what (permissions), sign-in
and sessions (auth), users, period locks, the audit trail, and one entry point per action of the matrix
(visibility, submissions, targets, followups, exports) that authorises, acts and audits.

Hiding a page is not protection: every entry point here refuses on its own, and every refusal is
recorded in the audit trail. Nothing here imports Streamlit.
"""
