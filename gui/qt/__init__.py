"""The Qt layer: windows, dialogs, models and delegates over ``gui.data``."""
