"""`unmask serve`: the REST service (see docs/service.md; `create_app` in unmask.service.app)."""
