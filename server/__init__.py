"""spcopilot.server"""
