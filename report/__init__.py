"""The marketers' report: one self-contained HTML page about a model and the leads it learnt
from (inputs, tables, charts, Jinja2 templates in ``report/templates``, sections, page)."""
