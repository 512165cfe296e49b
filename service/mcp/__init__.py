"""The task tools over the Model Context Protocol at `/mcp` (SPEC 9).

The only package that imports the official `mcp` SDK (and so pydantic):
`create_app` imports it only when MCP_ENABLED, and the REST and chat paths
never do.
"""
