"""The REST API under ``/api/v1``; :func:`radtrial.api.app.create_app` builds the application
that serves it together with the staff web pages (:mod:`radtrial.web`)."""
