"""Dialogs: assumptions, compare, facts asked on import, custom model, measurement import."""
