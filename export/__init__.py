"""spcopilot.export"""
