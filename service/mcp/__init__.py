"""The task tools over the Model Context Protocol at `/mcp` (SPEC 9).

The only package that imports the official `mcp` SDK (and so pydantic), and
only in `server.py`, which the endpoint imports on the first request to /mcp:
the REST and chat paths never load it, nor does a process that serves no MCP.
"""
