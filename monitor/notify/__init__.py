"""Alerts: who is told what (alerts.yaml) and the delivery of the outbox."""
