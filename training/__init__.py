"""spcopilot.training"""
