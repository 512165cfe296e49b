"""Prometheus metrics (SPEC 7): what every layer counts, and `GET /metrics`' text.

The bottom of the package tree: any package may record, this one imports none
of ours. Labels are route templates, methods, statuses, error codes and
outcomes only; never user ids, task ids or raw paths.
"""

from service.metrics.instruments import Metrics, PrometheusMetrics

__all__ = ["Metrics", "PrometheusMetrics"]
