"""Reference data shipped in ``data/``: models, hardware, backends and releases, prices, presets."""
