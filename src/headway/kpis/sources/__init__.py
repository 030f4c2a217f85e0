"""Scheduled pulls of KPI values: SQL queries against read-only databases and JSON URLs.

``sql`` and ``json_url`` fetch what a source gives (rows of period and value, or one value for
the period containing now); ``runner`` stores it through the measurement upsert and keeps each
source's last run; ``services`` creates, changes and deletes sources.
"""
