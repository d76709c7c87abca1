"""Production and interaction physics: materials, form factors, A′ cross-sections, widths, μ pairs."""
