"""HTTP plumbing shared by every feature: request context, bodies, responses,
errors in the SPEC 4 shape, middleware, routes with their contract, the OpenAPI
document built from them, and the probes.

It may use `service.db`, never a feature package.
"""
