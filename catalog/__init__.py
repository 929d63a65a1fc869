"""Service catalog and platform adoption, without Dagster.

Backstage descriptor files, a Backstage instance's catalog API or a teams file become services, owners and the
team -> department -> organisation roll-up (:mod:`catalog.load`); repositories' workflow files and the catalog's
annotations become adoption evidence (:mod:`catalog.adoption`). The adoption shares and the before/after effect
on delivery are computed in SQL (``metrics/sql/8x_*.sql``); :mod:`catalog.serving` reads them back.
"""
