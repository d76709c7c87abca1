"""darkmiss.plots"""
